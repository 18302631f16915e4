// Re-exported for plugins loaded by path (see scripts/bundle.js): the command's own inversify.
export * from 'inversify';
