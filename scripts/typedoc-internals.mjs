// A TypeDoc plugin for `npm run docs`: members named with a leading underscore are
// yieldio's internals (asyncio's convention: `_ready`, `_step`, `_futWaiter`), public
// to TypeScript only so that modules of one package can reach each other. They are left
// out of the API reference and so need no doc comment; everything else must have one.
import { Converter, ReflectionKind } from 'typedoc';

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const project = context.project;
    for (const reflection of Object.values(project.reflections)) {
      if (reflection.name.startsWith('_') && !reflection.kindOf(ReflectionKind.Project | ReflectionKind.Module)) {
        project.removeReflection(reflection);
      }
    }
  });
}
