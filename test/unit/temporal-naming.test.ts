import { WORKFLOW_TYPES } from '../../core/temporal/naming';
import * as workflows from '../../workflows';

/** Each workflow the worker registers, by its export name, with that name as its value. */
type Registered = { readonly [F in keyof typeof workflows]: F };
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

// Fails to compile when a workflow is renamed, added or removed and WORKFLOW_TYPES does not follow.
const tableMatchesWorkflows: Same<Registered, typeof WORKFLOW_TYPES> = true;

describe('WORKFLOW_TYPES', () => {
  it('names exactly the workflows the worker registers, each by its function name', () => {
    expect(tableMatchesWorkflows).toBe(true);
    expect(Object.keys(WORKFLOW_TYPES).sort()).toEqual(Object.keys(workflows).sort());
    for (const [name, fn] of Object.entries(workflows)) {
      // The client names a workflow passed as a function by its `name`; the worker registers it by its export name.
      expect(fn.name).toBe(name);
      expect(WORKFLOW_TYPES[name as keyof typeof WORKFLOW_TYPES]).toBe(name);
    }
  });
});
