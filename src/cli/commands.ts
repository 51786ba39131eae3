// The subcommand table. Each entry loads its module lazily so `barque --help` stays fast.
export interface CommandModule {
  run(argv: string[]): Promise<number>;
}

export interface Command {
  summary: string;
  load(): Promise<CommandModule>;
}

export const commands: Record<string, Command> = {
  version: {
    summary: 'print the version',
    load: async () => import('./version-command.ts'),
  },
};
