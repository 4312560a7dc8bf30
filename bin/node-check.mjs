// The Node.js version check that runs before anything else: vialwise runs its TypeScript sources
// directly, which needs Node.js 22.18 or later (type stripping on by default). Plain JavaScript
// that any Node.js still in use can parse, so that an old one fails with the fix, not a
// SyntaxError or ERR_UNKNOWN_FILE_EXTENSION.
import process from 'node:process';

export var REQUIRED = '22.18.0';

/** True when `version` ("v22.18.0" or "22.18.0") is at least `required`. */
export function satisfies(version, required) {
  var have = String(version).replace(/^v/, '').split('.').map(Number);
  var want = String(required || REQUIRED)
    .split('.')
    .map(Number);
  for (var i = 0; i < 3; i++) {
    var a = have[i] || 0;
    var b = want[i] || 0;
    if (a !== b) return a > b;
  }
  return true;
}

/** The one line that says what is wrong and how to fix it, or undefined when the version is fine. */
export function versionProblem(version, what) {
  if (satisfies(version, REQUIRED)) return undefined;
  return (
    (what || 'vialwise') +
    ' needs Node.js ' +
    REQUIRED +
    ' or later, this is ' +
    version +
    ': install Node.js 22 (for example `nvm install 22`, or see .nvmrc) and run it again.'
  );
}

/** Exits with code 2 and the one-line fix when this Node.js is too old. */
export function checkNode(what) {
  var problem = versionProblem(process.version, what);
  if (problem) {
    process.stderr.write(problem + '\n');
    process.exit(2);
  }
}
