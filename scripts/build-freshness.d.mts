// Types for build-freshness.mjs (plain JavaScript: bin/barque loads it before any TypeScript loader).
export declare const STAMP: string;
export declare const SOURCES: readonly string[];
export declare function newestMtimeMs(root: string, paths?: readonly string[]): number;
export declare function isBuildFresh(root: string): boolean;
