/** Topic and sensor names, each stored once and referred to by a small number. */
export class NameTable {
  readonly names: string[] = [];
  private readonly ids = new Map<string, number>();
  /** The name's id, -1 when it was never stored. */
  find(name: string): number {
    return this.ids.get(name) ?? -1;
  }

  id(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(name, id);
      this.names.push(name);
    }
    return id;
  }
}
