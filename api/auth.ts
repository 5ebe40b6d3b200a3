import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Request, RequestHandler } from 'express';
import type { Role } from './contract';
const RANK: Record<Role, number> = { read: 1, operate: 2, admin: 3 };

export interface TokenEntry {
  name: string;
  role: Role;
  token: string;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Bearer tokens with roles, compared in constant time (digests of equal length, no early exit). */
export class TokenRegistry {
  private readonly entries: Array<{ name: string; role: Role; digest: Buffer }>;

  constructor(tokens: readonly TokenEntry[]) {
    this.entries = tokens.map((t) => ({ name: t.name, role: t.role, digest: digest(t.token) }));
  }

  /** The role of a presented token, or null. */
  roleOf(token: string): Role | null {
    const presented = digest(token);
    let role: Role | null = null;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, presented) && (role === null || RANK[entry.role] > RANK[role]))
        role = entry.role;
    }
    return role;
  }

  /** The role of the request's bearer token, or null without a valid one. */
  roleOfRequest(req: Request): Role | null {
    const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    return match?.[1] ? this.roleOf(match[1]) : null;
  }

  /** Express middleware: 401 without a valid token, 403 when its role is below `needed`. */
  require(needed: Role): RequestHandler {
    return (req, res, next) => {
      const role = this.roleOfRequest(req);
      if (!role) {
        res
          .status(401)
          .set('WWW-Authenticate', 'Bearer')
          .json({ error: 'unauthorized', message: 'a valid bearer token is required' });
        return;
      }
      if (RANK[role] < RANK[needed]) {
        res.status(403).json({ error: 'forbidden', message: `this needs the ${needed} role; the token has ${role}` });
        return;
      }
      // Routes and the UI's session endpoint read the caller's role from here.
      res.locals.role = role;
      next();
    };
  }
}

/**
 * The admin token used when none is configured: generated at first start, kept in the data folder
 * with 0600 permissions; `created` tells the caller to say where (generatedTokenNotice).
 */
export function ensureGeneratedAdminToken(dataDir: string): { token: string; file: string; created: boolean } {
  const file = path.join(dataDir, 'api-admin-token');
  if (fs.existsSync(file)) return { token: fs.readFileSync(file, 'utf8').trim(), file, created: false };
  fs.mkdirSync(dataDir, { recursive: true });
  const token = randomBytes(32).toString('base64url');
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return { token, file, created: true };
}

/**
 * The line that announces a generated admin token: where it is, never the token itself (console
 * output ends up in service logs, Docker logs and scrollback).
 */
export function generatedTokenNotice(file: string): string {
  return `API admin token: generated into ${file} (mode 0600, readable by this user only); sign in with its content`;
}
