// Password hashes as etcd keeps them: bcrypt, cost 10 (etcd's --bcrypt-cost default), Go's "$2a$" spelling, with
// the maintained bcryptjs package. Hashing happens before proposing, so the log never holds a password and
// applying stays deterministic.
import bcrypt from 'bcryptjs';

export const DEFAULT_BCRYPT_COST = 10;

export async function hashPassword(password: string, cost = DEFAULT_BCRYPT_COST): Promise<string> {
  const salt = (await bcrypt.genSalt(cost)).replace(/^\$2b\$/, '$2a$');
  return bcrypt.hash(password, salt);
}

export function passwordMatches(password: string, hash: string): Promise<boolean> {
  if (hash === '') return Promise.resolve(false);
  return bcrypt.compare(password, hash);
}
