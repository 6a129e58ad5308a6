import { readdirSync, readFileSync } from 'node:fs';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { tempDir } from '../../helpers/brokers.js';

/** Headless Chromium as the issue asks: no background traffic, a fresh profile each time. */
export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** PIDs of the processes started with this profile folder (the browser and its helpers). */
function pidsUsing(userDataDir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(`--user-data-dir=${userDataDir}`)) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

/**
 * Runs `use` with a Chromium of its own; closes it afterwards, and SIGKILLs by PID whatever of it
 * is still there after 10 s (or after a clean close: helpers that outlived it).
 */
export async function withChromium<T>(use: (context: BrowserContext) => Promise<T>, options: { javaScriptEnabled?: boolean } = {}): Promise<T> {
  const userDataDir = tempDir();
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    args: CHROMIUM_FLAGS,
    javaScriptEnabled: options.javaScriptEnabled ?? true,
    viewport: { width: 1300, height: 900 },
  });
  try {
    return await use(context);
  } finally {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([context.close(), new Promise((resolve) => (timer = setTimeout(resolve, 10_000)))]);
    clearTimeout(timer);
    for (const pid of pidsUsing(userDataDir)) process.kill(pid, 'SIGKILL');
  }
}

/**
 * Everything that should never happen on a page of this tool, as it happens: console errors and
 * warnings, page errors, dialogs, and any request that leaves `origin` (the live server's URL, or
 * `file:` for an offline page) other than data:.
 */
export function pageProblems(page: Page, origin = 'file:'): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on('request', (r) => {
    if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) problems.push(`network: ${r.url()}`);
  });
  return problems;
}

/** pageProblems, and the CSP violations the page reports itself; call before the page loads. */
export async function watchProblems(page: Page, origin = 'file:'): Promise<() => Promise<string[]>> {
  const problems = pageProblems(page, origin);
  // Init scripts run through the DevTools protocol, outside the page's CSP.
  // (As text: this project's TypeScript has no DOM types.)
  await page.addInitScript({
    content: "window.cspViolations = []; document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.violatedDirective + ': ' + e.blockedURI));",
  });
  return async () => [...problems, ...((await page.evaluate('window.cspViolations')) as string[]).map((v) => `CSP: ${v}`)];
}
