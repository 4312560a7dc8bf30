/* global process */
// The Node.js version check that runs before any TypeScript is loaded. Plain JavaScript in old
// syntax, so that an old Node reads this file and explains itself instead of failing with
// ERR_UNKNOWN_FILE_EXTENSION: Node runs .ts files by default only from 22.18 (and 23.6), and
// vialwise's @medplum 5 dependencies ask for ^22.18 || >=24.2 (their package.json engines).

/**
 * What is wrong with this Node.js version for vialwise, as one line; undefined when it will do.
 * @param {string} version e.g. process.versions.node
 * @param {string} command what to run again once Node is updated, e.g. "npm start"
 * @returns {string | undefined}
 */
export function nodeVersionProblem(version, command) {
  var parts = String(version).split('.');
  var major = Number(parts[0]);
  var minor = Number(parts[1]);
  if ((major === 22 && minor >= 18) || (major === 24 && minor >= 2) || major >= 25) return undefined;
  var needs = major > 22 ? 'Node.js 22 (22.18 or later) or 24.2 or later' : 'Node.js 22.18 or later';
  return (
    'vialwise needs ' +
    needs +
    '; you have ' +
    version +
    '. Install Node 22 (e.g. `nvm install 22`) and run `' +
    command +
    '` again.'
  );
}

/**
 * Exits with code 2 and the one-line fix when this Node.js cannot run vialwise.
 * @param {string} command
 */
export function requireSupportedNode(command) {
  var problem = nodeVersionProblem(process.versions.node, command);
  if (problem) {
    process.stderr.write(problem + '\n');
    process.exit(2);
  }
}
