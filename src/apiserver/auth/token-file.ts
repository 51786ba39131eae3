// --token-auth-file: kube-apiserver's static token CSV, one user per line: token,user,uid[,"group1,group2"].
// Fields may be quoted (a quoted field may hold commas); blank lines are skipped.
import type { UserInfo } from './user.ts';

export class TokenFileError extends Error {}

export function parseTokenFile(text: string): Map<string, UserInfo> {
  const tokens = new Map<string, UserInfo>();
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const fields = csvFields(line, i + 1);
    if (fields.length < 3) throw new TokenFileError(`token file line ${i + 1}: expected token,user,uid[,groups], got ${fields.length} fields`);
    const [token, name, uid, groups = ''] = fields;
    if (token === '' || name === '') throw new TokenFileError(`token file line ${i + 1}: token and user must not be empty`);
    if (tokens.has(token)) throw new TokenFileError(`token file line ${i + 1}: duplicate token`);
    tokens.set(token, { name, uid, groups: groups.split(',').map((g) => g.trim()).filter((g) => g !== '') });
  });
  return tokens;
}

function csvFields(line: string, lineNo: number): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let value = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new TokenFileError(`token file line ${lineNo}: unterminated quoted field`);
        if (line[i] === '"' && line[i + 1] === '"') {
          value += '"'; // "" inside quotes is one quote
          i += 2;
        } else if (line[i] === '"') {
          break;
        } else {
          value += line[i++];
        }
      }
      i++;
      if (i < line.length && line[i] !== ',') throw new TokenFileError(`token file line ${lineNo}: text after a quoted field`);
    } else {
      const end = line.indexOf(',', i);
      value = line.slice(i, end < 0 ? line.length : end);
      i = end < 0 ? line.length : end;
    }
    fields.push(value.trim());
    if (i >= line.length) return fields;
    i++; // the comma
  }
}
