// The AI SDK of this folder's lock file, for scripts outside it.
export * from 'ai';
