// Normalization of etcdctl output, kept minimal: only what legitimately differs between two correct servers (or
// two runs of the same one) is replaced, by a named placeholder, never deleted. Revisions, versions, counts,
// values, error texts and exit codes are compared as printed.
//
// Always (each run has its own):
//   member and cluster ids (random per cluster), lease ids (granted by the server), client/peer URLs (free ports),
//   the scratch dir, the clients' uuid in log targets, log timestamps, and measured durations (`took`) and the
//   snapshot download's size in etcdctl's own progress log.
// Only for invocations that declare it (see Volatile in invocation.ts for the reasons):
//   raft index, backend sizes, hashes that cover normalized ids, seconds left on a lease.
// Always, order that etcd leaves unspecified: the keys `lease timetolive --keys` lists come from a Go map.
// For 3-member clusters (`clusterMode`), also what the client or an election chooses: which member answered (the
// header's member_id), which is leader, the raft term, and the order of `member list` (by random member id), of
// `endpoint health` (answers as they arrive), of `endpoint status/hashkv --cluster` (member list order) and of
// `lease list` (by expiry, which followers do not track); those lines, or JSON array elements, are sorted.
// Tables are compared as cells (borders and padding dropped): etcdctl renders them itself, so their widths
// only follow from the cells.
import type { Volatile } from './invocation.ts';

export interface MemberIdentity {
  name: string;
  id: bigint;
  clientUrl: string;
  peerUrl: string;
}

export interface RunIdentity {
  clusterId: bigint | null;
  members: MemberIdentity[];
  scratchDir: string;
}

export interface NormalizeOptions {
  clusterMode: boolean;
}

interface Replacement {
  pattern: RegExp;
  placeholder: string;
}

export class Normalizer {
  private readonly replacements: Replacement[] = [];

  constructor(
    identity: RunIdentity,
    private readonly options: NormalizeOptions,
  ) {
    // Longest text first, so a URL is replaced before the host:port inside it.
    this.addLiteral(identity.scratchDir, '<dir>');
    for (const m of identity.members) {
      this.addLiteral(m.clientUrl, `<client-url:${m.name}>`);
      this.addLiteral(m.peerUrl, `<peer-url:${m.name}>`);
      this.addLiteral(m.clientUrl.replace(/^https?:\/\//, ''), `<client-addr:${m.name}>`);
      if (m.id > 0n) this.addId(m.id, `<member-id:${m.name}>`); // 0: not discovered (the server did not say)
    }
    if (identity.clusterId !== null && identity.clusterId > 0n) this.addId(identity.clusterId, '<cluster-id>');
  }

  /** A server-chosen 64-bit id (a lease) learnt during the run: every spelling of it becomes the placeholder. */
  addId(id: bigint, placeholder: string): void {
    const unsigned = BigInt.asUintN(64, id);
    const spellings = new Set([unsigned.toString(10), BigInt.asIntN(64, id).toString(10), unsigned.toString(16), unsigned.toString(16).padStart(16, '0')]);
    for (const s of spellings) {
      this.replacements.push({ pattern: new RegExp(`(?<![0-9A-Za-z])${escapeRegExp(s)}(?![0-9A-Za-z])`, 'g'), placeholder });
    }
    this.sortReplacements();
  }

  private addLiteral(text: string, placeholder: string): void {
    if (text.length === 0) return;
    this.replacements.push({ pattern: new RegExp(escapeRegExp(text), 'g'), placeholder });
    this.sortReplacements();
  }

  private sortReplacements(): void {
    this.replacements.sort((a, b) => b.pattern.source.length - a.pattern.source.length);
  }

  private replaceKnown(text: string): string {
    let out = text;
    for (const r of this.replacements) out = out.replace(r.pattern, r.placeholder);
    return out;
  }

  /** Normalizes one command's stdout or stderr into lines. */
  lines(text: string, args: readonly string[], volatile: readonly Volatile[]): string[] {
    const orderFree = this.options.clusterMode && isOrderFree(args);
    let out = orderFree && outputFormat(args) === 'json' ? sortJsonArrays(text, (t) => this.replaceKnown(t)) : text;
    out = this.replaceKnown(out);
    const table = isTableOutput(args);
    const result: string[] = [];
    let header: string[] | null = null;
    for (const rawLine of out.split('\n')) {
      if (rawLine.length === 0) {
        result.push('');
        continue;
      }
      if (rawLine.startsWith('{"level":')) {
        result.push(normalizeClientLogLine(rawLine));
        continue;
      }
      if (table && /^\+[-+]*\+$/.test(rawLine)) continue;
      if (table && rawLine.startsWith('|')) {
        const cells = rawLine.split('|').slice(1, -1).map((c) => c.trim());
        if (header === null) header = cells;
        else this.normalizeTableRow(header, cells, volatile);
        result.push(cells.join(' | '));
        continue;
      }
      result.push(this.normalizeLine(rawLine, args, volatile));
    }
    while (result.length > 0 && result[result.length - 1] === '') result.pop();
    if (orderFree && outputFormat(args) !== 'json') {
      const head = table && result.length > 0 ? [result[0]] : [];
      return [...head, ...result.slice(head.length).sort()];
    }
    return result;
  }

  private normalizeLine(line: string, args: readonly string[], volatile: readonly Volatile[]): string {
    let out = line
      .replace(/took = [0-9.]+[a-zµ]+/g, 'took = <duration>')
      .replace(/"took":"[^"]*"/g, '"took":"<duration>"');
    if (volatile.includes('raft-index')) out = out.replace(/"(raftIndex|raftAppliedIndex)":\d+/g, '"$1":<raft-index>');
    if (volatile.includes('db-size')) out = out.replace(/"(dbSize|dbSizeInUse|totalSize)":\d+/g, '"$1":<db-size>');
    if (volatile.includes('hash')) out = out.replace(/"hash":\d+/g, '"hash":<hash>');
    if (volatile.includes('ttl-remaining')) out = out.replace(/remaining\(-?\d+s\)/g, 'remaining(<ttl>)').replace(/"ttl":-?\d+/g, '"ttl":<ttl>');
    if (args[0] === 'lease' && args[1] === 'timetolive') {
      out = out
        .replace(/attached keys\(\[([^\]]*)\]\)/, (_, keys: string) => `attached keys([${keys.split(' ').sort().join(' ')}])`)
        .replace(/"keys":\[([^\]]*)\]/, (_, keys: string) => `"keys":[${keys.split(',').sort().join(',')}]`);
    }
    if (this.options.clusterMode) {
      out = out
        .replace(/"(raft_term|raftTerm)":\d+/g, '"$1":<term>')
        .replace(/"RaftTerm" : \d+/g, '"RaftTerm" : <term>')
        .replace(/"leader":<member-id:[^>]*>/g, '"leader":<leader>')
        .replace(/"member_id":<member-id:[^>]*>/g, '"member_id":<responding-member>')
        .replace(/"MemberID" : <member-id:[^>]*>/g, '"MemberID" : <responding-member>');
    }
    if (isSimpleOutput(args) && args[0] === 'endpoint' && args[1] === 'status') out = this.simpleStatusLine(out, volatile);
    if (isSimpleOutput(args) && args[0] === 'endpoint' && args[1] === 'hashkv' && volatile.includes('hash')) {
      out = out.replace(/, \d+$/, ', <hash>');
    }
    return out;
  }

  /** `endpoint status` simple: endpoint, id, version, db size, is leader, is learner, term, index, applied, errors. */
  private simpleStatusLine(line: string, volatile: readonly Volatile[]): string {
    const fields = line.split(', ');
    if (fields.length < 9) return line;
    if (volatile.includes('db-size')) fields[3] = '<db-size>';
    if (this.options.clusterMode) {
      fields[4] = '<is-leader>';
      fields[6] = '<term>';
    }
    if (volatile.includes('raft-index')) {
      fields[7] = '<raft-index>';
      fields[8] = '<raft-index>';
    }
    return fields.join(', ');
  }

  private normalizeTableRow(header: readonly string[], cells: string[], volatile: readonly Volatile[]): void {
    const columns: Record<string, string> = { TOOK: '<duration>' };
    if (volatile.includes('raft-index')) Object.assign(columns, { 'RAFT INDEX': '<raft-index>', 'RAFT APPLIED INDEX': '<raft-index>' });
    if (volatile.includes('db-size')) Object.assign(columns, { 'DB SIZE': '<db-size>', 'TOTAL SIZE': '<db-size>' });
    if (volatile.includes('hash')) columns.HASH = '<hash>';
    if (this.options.clusterMode) Object.assign(columns, { 'IS LEADER': '<is-leader>', 'RAFT TERM': '<term>' });
    header.forEach((name, i) => {
      const placeholder = columns[name];
      if (placeholder !== undefined && i < cells.length) cells[i] = placeholder;
    });
  }
}

/** etcdctl's zap log lines (stderr): wall-clock and measured fields are replaced, the rest kept in order. */
function normalizeClientLogLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(entry)) {
    if (k === 'ts') out[k] = '<ts>';
    else if (k === 'took' || k === 'size') out[k] = `<${k}>`;
    else if (k === 'target' && typeof v === 'string') out[k] = v.replace(/client-[0-9a-f-]{36}/, 'client-<uuid>');
    else out[k] = v;
  }
  return JSON.stringify(out);
}

/** Commands whose output order a 3-member cluster leaves to chance (see the header). */
function isOrderFree(args: readonly string[]): boolean {
  const command = `${args[0]} ${args[1]}`;
  if ((command === 'endpoint status' || command === 'endpoint hashkv') && args.includes('--cluster')) return true;
  return command === 'member list' || command === 'endpoint health' || command === 'lease list';
}

/**
 * Sorts the top-level array and any `members` or `leases` array of a JSON document by each element's normalized
 * text, keeping 64-bit integers exact (JSON.parse would round them) and Go's compact formatting.
 */
function sortJsonArrays(text: string, normalize: (text: string) => string): string {
  const bigMark = '#big#';
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/":(-?\d{16,})/g, `":"${bigMark}$1"`));
  } catch {
    return text;
  }
  const byText = (a: unknown, b: unknown): number => normalize(JSON.stringify(a)).localeCompare(normalize(JSON.stringify(b)));
  if (Array.isArray(doc)) doc.sort(byText);
  if (doc !== null && typeof doc === 'object') {
    for (const field of ['members', 'leases']) {
      const list = (doc as Record<string, unknown>)[field];
      if (Array.isArray(list)) list.sort(byText);
    }
  }
  return `${JSON.stringify(doc).replace(new RegExp(`"${bigMark}(-?\\d+)"`, 'g'), '$1')}\n`;
}

function outputFormat(args: readonly string[]): string {
  for (let i = 0; i < args.length; i++) {
    if ((args[i] === '-w' || args[i] === '--write-out') && i + 1 < args.length) return args[i + 1];
    if (args[i].startsWith('--write-out=')) return args[i].slice('--write-out='.length);
  }
  return 'simple';
}

function isTableOutput(args: readonly string[]): boolean {
  return outputFormat(args) === 'table';
}

function isSimpleOutput(args: readonly string[]): boolean {
  return outputFormat(args) === 'simple';
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
