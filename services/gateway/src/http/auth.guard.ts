import { timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { INFRA, type Infra } from '@roster/platform';
import { BotDirectory } from '../bot-directory';
import { Problem } from './problem';

export type Principal = { kind: 'admin' } | { kind: 'bot'; botId: string; keyId: string };

const ADMIN_ONLY = 'roster:admin-only';
const PUBLIC = 'roster:public';
export const AdminOnly = () => SetMetadata(ADMIN_ONLY, true);
export const Public = () => SetMetadata(PUBLIC, true);

/** API keys look like `rk_<keyId>.<secret>`: the id finds the stored hash, the secret is checked against it. */
export const KEY_PATTERN = /^rk_([A-Za-z0-9_-]{8,64})\.([A-Za-z0-9_-]{20,128})$/;

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Every /v1 call needs `Authorization: Bearer <key>`: 401 when missing or unknown. A bot key on another bot's paths
 * gets 404, as if that bot did not exist; admin-only routes answer 404 to bot keys too (no hint that they exist).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly directory: BotDirectory,
    @Inject(INFRA) private readonly infra: Infra,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    // Request/reply handlers of the same process (hybrid app) are internal: only HTTP calls carry keys.
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & { principal?: Principal }>();
    const principal = this.authenticate(request.headers.authorization);
    request.principal = principal;
    const adminOnly = this.reflector.getAllAndOverride<boolean>(ADMIN_ONLY, targets);
    const botId = (request.params as Record<string, string> | undefined)?.botId;
    if (principal.kind === 'admin') {
      if (botId !== undefined && !this.directory.get(botId)) throw new Problem(404, 'no such bot');
      return true;
    }
    if (adminOnly) throw new Problem(404, 'not found');
    if (botId !== undefined && botId !== principal.botId) throw new Problem(404, 'no such bot');
    return true;
  }

  private authenticate(header: string | undefined): Principal {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!match) throw new Problem(401, 'send an API key as "Authorization: Bearer <key>"');
    const token = match[1]!;
    const adminKey = this.infra.config.adminKey;
    if (adminKey && sameSecret(token, adminKey)) return { kind: 'admin' };
    const parts = KEY_PATTERN.exec(token);
    const botId = parts ? this.directory.verifyKey(parts[1]!, parts[2]!) : undefined;
    if (!parts || !botId) throw new Problem(401, 'the API key is not valid');
    return { kind: 'bot', botId, keyId: parts[1]! };
  }
}
