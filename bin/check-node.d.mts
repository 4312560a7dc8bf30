/** Types of check-node.mjs (plain JavaScript, so that old Node versions can run it). */
export declare function nodeVersionProblem(version: string, command: string): string | undefined;
export declare function requireSupportedNode(command: string): void;
