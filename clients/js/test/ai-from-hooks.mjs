// The module hooks of ai-from.mjs: `ai` and `ai/...` resolve as if imported from the chosen folder.
let parentURL;

export function initialize(data) {
  parentURL = data.parentURL;
}

export async function resolve(specifier, context, nextResolve) {
  if (parentURL && (specifier === 'ai' || specifier.startsWith('ai/'))) {
    return nextResolve(specifier, { ...context, parentURL });
  }
  return nextResolve(specifier, context);
}
