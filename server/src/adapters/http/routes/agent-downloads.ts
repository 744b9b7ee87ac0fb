/**
 * What a target downloads to become one, without authentication (it has nothing to authenticate with yet;
 * the join token it is given is what makes it trusted):
 *
 *   GET /install.sh                                        scripts/install-agent.sh, with this server's
 *                                                          public URL put in as the default --server
 *   GET /downloads/latchkey-agent-linux-x64.tar.gz         the agent package (npm run package:agent)
 *   GET /downloads/latchkey-agent-linux-x64.tar.gz.sha256  its sha256, "HEX  NAME\n" (sha256sum format)
 *
 * HEAD works on all three (fastify's automatic HEAD routes). The package is streamed from disk, with an
 * ETag (its sha256) and If-None-Match; its hash is computed once per (size, mtime) so a rebuilt package is
 * served at once without a restart. A missing file is a 404 whose message says how to build it.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LatchkeyError } from '@latchkey/shared';

export const AGENT_PACKAGE_NAME = 'latchkey-agent-linux-x64.tar.gz';
/** The installer's placeholder for the URL it was served from (see scripts/install-agent.sh). */
export const SERVED_FROM_PLACEHOLDER = '@LATCHKEY_SERVED_FROM@';

export interface AgentDownloadOptions {
  /** The agent package (a .tar.gz made by scripts/package-agent.mjs); undefined: none configured. */
  packagePath?: string;
  /** scripts/install-agent.sh. */
  installScriptPath?: string;
  /** The server's public URL now (it may be known only after listen). */
  publicUrl: () => string;
}

interface PackageFacts {
  path: string;
  size: number;
  mtimeMs: number;
  sha256: string;
}

const HOW_TO_BUILD =
  'build it with `npm run package:agent` in the Latchkey checkout, or start the server with --agent-package PATH';

/** A URL as one single-quoted shell word (the public URL is validated, but never trust a quote). */
function shellQuoted(text: string): string {
  return text.replace(/'/g, `'"'"'`);
}

export function agentDownloadRoutes(app: FastifyInstance, options: AgentDownloadOptions): void {
  const hidden = { schema: { hide: true } };
  let known: PackageFacts | undefined;

  async function packageFacts(): Promise<PackageFacts> {
    const path = options.packagePath;
    if (path === undefined) {
      throw new LatchkeyError('not_found', `this server has no agent package configured: ${HOW_TO_BUILD}`);
    }
    let info;
    try {
      info = await stat(path);
    } catch {
      throw new LatchkeyError('not_found', `the agent package ${path} does not exist: ${HOW_TO_BUILD}`);
    }
    if (known?.path === path && known.size === info.size && known.mtimeMs === info.mtimeMs) return known;
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    known = { path, size: info.size, mtimeMs: info.mtimeMs, sha256: hash.digest('hex') };
    return known;
  }

  const notModified = (request: FastifyRequest, etag: string) =>
    (request.headers['if-none-match'] ?? '')
      .split(',')
      .map((tag) => tag.trim())
      .includes(etag);

  app.get('/install.sh', hidden, async (_request, reply: FastifyReply) => {
    const path = options.installScriptPath;
    let script: string;
    try {
      if (path === undefined) throw new Error('none configured');
      script = await readFile(path, 'utf8');
    } catch {
      throw new LatchkeyError(
        'not_found',
        `the agent installer is missing on this server (${path ?? 'none configured'}): it is scripts/install-agent.sh in the Latchkey checkout`,
      );
    }
    const served = script.replaceAll(SERVED_FROM_PLACEHOLDER, shellQuoted(options.publicUrl()));
    return reply
      .header('content-type', 'text/x-shellscript; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(served);
  });

  app.get(`/downloads/${AGENT_PACKAGE_NAME}.sha256`, hidden, async (_request, reply: FastifyReply) => {
    const facts = await packageFacts();
    return reply
      .header('content-type', 'text/plain; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(`${facts.sha256}  ${AGENT_PACKAGE_NAME}\n`);
  });

  app.get(`/downloads/${AGENT_PACKAGE_NAME}`, hidden, async (request, reply: FastifyReply) => {
    const facts = await packageFacts();
    const etag = `"${facts.sha256}"`;
    reply.header('etag', etag).header('cache-control', 'no-cache').header('x-checksum-sha256', facts.sha256);
    if (notModified(request, etag)) return reply.code(304).send();
    return reply
      .header('content-type', 'application/gzip')
      .header('content-length', facts.size)
      .header('content-disposition', `attachment; filename="${basename(AGENT_PACKAGE_NAME)}"`)
      .send(createReadStream(facts.path));
  });
}
