/** How the UI's browser tests and the screenshot script start Chromium, and the sizes they use. */
import { existsSync } from 'node:fs';

/** Debian's Chromium (`apt-get install -y chromium`), driven through playwright-core. */
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
export const hasChromium = existsSync(CHROMIUM);

/** A desktop and a phone (iPhone 12-15 class), the two sizes every view is tested and shown at. */
export const VIEWPORTS = {
  desktop: { width: 1440, height: 900 },
  phone: { width: 390, height: 844 },
} as const;
