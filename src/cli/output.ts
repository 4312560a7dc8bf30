/** A line of command output for the user, on stdout (logs go through the logger). */
export function say(text: string): void {
  process.stdout.write(`${text}\n`);
}
