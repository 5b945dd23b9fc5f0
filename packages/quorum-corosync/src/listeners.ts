import { SamError } from "@samkit/core";

/** The listeners of one kind of event: added with a check, each told in order, removable. */
export class Listeners<T> {
  readonly #set = new Set<(value: T) => void>();

  constructor(private readonly method: string) {}

  /** Adds `listener`; returns the function that removes it. */
  add(listener: (value: T) => void): () => void {
    if (typeof listener !== "function") throw new SamError("CS_ERR_INVALID_PARAM", `@samkit/quorum-corosync: ${this.method}() takes a function`);
    this.#set.add(listener);
    return () => {
      this.#set.delete(listener);
    };
  }

  /** Tells every listener, those added during the call not included. */
  tell(value: T): void {
    for (const listener of [...this.#set]) listener(value);
  }

  clear(): void {
    this.#set.clear();
  }
}
