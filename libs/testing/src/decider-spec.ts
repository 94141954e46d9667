/**
 * Given/when/then specifications for pure deciders (Emmett style):
 *   spec.given([events]).when(command).then([events])  or  .thenThrows(ErrorClass)
 */
export interface Decider<Command, Event, State> {
  decide(command: Command, state: State): readonly Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

export function deciderSpec<Command, Event, State>(decider: Decider<Command, Event, State>) {
  return {
    given(events: readonly Event[]) {
      const state = events.reduce(decider.evolve, decider.initialState());
      return {
        when(command: Command) {
          const run = () => decider.decide(command, state);
          return {
            then(expected: readonly Event[]) {
              expect(run()).toEqual(expected);
            },
            thenNothingHappens() {
              expect(run()).toEqual([]);
            },
            thenThrows(errorType: new (...args: never[]) => Error, message?: string | RegExp) {
              expect(run).toThrow(errorType);
              if (message) expect(run).toThrow(message);
            },
          };
        },
      };
    },
  };
}

/**
 * Projection specification: applying the given events twice (duplicated delivery) must give the same result as
 * applying them once.
 */
export async function expectIdempotentProjection<E>(
  apply: (events: readonly E[]) => Promise<void>,
  read: () => Promise<unknown>,
  events: readonly E[],
): Promise<unknown> {
  await apply(events);
  const once = await read();
  await apply(events);
  expect(await read()).toEqual(once);
  return once;
}
