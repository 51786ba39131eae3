// List continuation tokens in kube-apiserver's format, so a token minted by one apiserver (ours or Kubernetes') means
// the same to another: base64url (no padding) of JSON {"v":"meta.k8s.io/v1","rv":<list revision>,"start":<next key
// relative to the list prefix>}. The next key is the last returned key followed by "\0".

const TOKEN_VERSION = 'meta.k8s.io/v1';

export class ContinueTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContinueTokenError';
  }
}

export function encodeContinue(nextKey: string, keyPrefix: string, revision: number): string {
  if (!nextKey.startsWith(keyPrefix) || nextKey === keyPrefix) {
    throw new ContinueTokenError('unable to encode next field: the key and key prefix do not match');
  }
  const json = JSON.stringify({ v: TOKEN_VERSION, rv: revision, start: nextKey.slice(keyPrefix.length) });
  return Buffer.from(json, 'utf8').toString('base64url');
}

/** The absolute key to continue from and the revision to read at. */
export function decodeContinue(token: string, keyPrefix: string): { fromKey: string; revision: number } {
  if (!/^[A-Za-z0-9_-]*$/.test(token)) throw new ContinueTokenError('continue key is not valid: illegal base64 data');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch (err) {
    throw new ContinueTokenError(`continue key is not valid: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null) throw new ContinueTokenError('continue key is not valid');
  const { v, rv, start } = parsed as { v?: unknown; rv?: unknown; start?: unknown };
  if (v !== TOKEN_VERSION) {
    throw new ContinueTokenError(`continue key is not valid: server does not recognize this encoded version ${JSON.stringify(v ?? '')}`);
  }
  if (typeof rv !== 'number' || !Number.isSafeInteger(rv) || rv === 0) {
    throw new ContinueTokenError(`continue key is not valid: incorrect encoded start resourceVersion (version ${TOKEN_VERSION})`);
  }
  if (typeof start !== 'string' || start.length === 0) {
    throw new ContinueTokenError(`continue key is not valid: encoded start key empty (version ${TOKEN_VERSION})`);
  }
  // Refuse anything that would climb out of the prefix once joined to it.
  const key = start.startsWith('/') ? start : `/${start}`;
  if (cleanPath(key) !== key) throw new ContinueTokenError(`continue key is not valid: ${start}`);
  return { fromKey: keyPrefix + key.slice(1), revision: rv };
}

/** Lexical path cleaning as Go's path.Clean does for absolute paths (enough to spot "..", "." and "//"). */
function cleanPath(p: string): string {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}
