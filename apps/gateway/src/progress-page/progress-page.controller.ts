import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The part of Express's response this controller uses (the project has no @types/express). */
interface Response {
  status(code: number): Response;
  type(contentType: string): Response;
  send(body: string): void;
  sendFile(path: string, options: { headers: Record<string, string> }): void;
}

/**
 * Where `npm run build` puts the page (`dist/apps/gateway/public`); run from
 * the sources (the tests), `apps/gateway/public`, which their setup builds.
 */
const PUBLIC_DIR = join(__dirname, '..', '..', 'public');
const ASSETS = new Set(['app.js', 'app-style.css', 'console.js', 'console-style.css'].flatMap((file) => [file, `${file}.map`]));

/**
 * The live progress page and the operator console (apps/gateway/web, built
 * with the SDK). They hold no secret: the token comes in the URL fragment
 * printed by `npm start`, or is pasted into the console's sign-in.
 */
@Controller()
export class ProgressPageController {
  @Get()
  page(@Res() res: Response): void {
    this.send(res, join(PUBLIC_DIR, 'index.html'));
  }

  /** The operator console: admins only, which its own sign-in checks against the admin API. */
  @Get('console')
  console(@Res() res: Response): void {
    this.send(res, join(PUBLIC_DIR, 'console.html'));
  }

  @Get('assets/:file')
  asset(@Param('file') file: string, @Res() res: Response): void {
    if (!ASSETS.has(file)) throw new NotFoundException(`no asset ${file}`);
    this.send(res, join(PUBLIC_DIR, 'assets', file));
  }

  private send(res: Response, path: string): void {
    if (!existsSync(path)) {
      res.status(503).type('text/plain').send('The progress page is not built: run `npm run build` (npm start does).');
      return;
    }
    // Same names on every build: the browser must revalidate, or it keeps an old page.
    res.sendFile(path, { headers: { 'Cache-Control': 'no-cache' } });
  }
}
