/**
 * The bounded max-heap of a decision-tree leaf (manager/scheduler/nodeheap.go nodeMaxHeap) with
 * Go's container/heap algorithms (Init, Push, Pop, Fix, up, down) written out, so that nodes the
 * comparator ties keep the order Go's heap gives them. Entries are node positions of the call's
 * node list; `less` is nodeLess, reversed by heapLess to make the heap a max-heap (worst on top).
 * Like upstream, Pop only shortens `length` and leaves the popped node in `nodes`, so popping
 * every node leaves `nodes` ordered best first (a heap sort).
 */
export class NodeMaxHeap {
  readonly nodes: number[] = [];
  length = 0;

  constructor(private readonly less: (a: number, b: number) => boolean) {}

  /** nodeMaxHeap.Less: reversed to make a max-heap. */
  private heapLess(i: number, j: number): boolean {
    return this.less(this.nodes[j]!, this.nodes[i]!);
  }

  private swap(i: number, j: number): void {
    const t = this.nodes[i]!;
    this.nodes[i] = this.nodes[j]!;
    this.nodes[j] = t;
  }

  /** heap.Init. */
  init(): void {
    const n = this.length;
    for (let i = Math.floor(n / 2) - 1; i >= 0; i--) this.down(i, n);
  }

  /** heap.Push: append, then sift up. */
  push(pos: number): void {
    this.nodes.push(pos);
    this.length++;
    this.up(this.length - 1);
  }

  /** heap.Pop: move the top to the end of the heap part, restore the heap, shorten. */
  pop(): void {
    const n = this.length - 1;
    this.swap(0, n);
    this.down(0, n);
    this.length--;
  }

  /** heap.Fix after nodes[i] changed. */
  fix(i: number): void {
    if (!this.down(i, this.length)) this.up(i);
  }

  private up(j: number): void {
    for (;;) {
      // Go's (j-1)/2 truncates toward zero, so the root is its own parent.
      const i = Math.trunc((j - 1) / 2);
      if (i === j || !this.heapLess(j, i)) break;
      this.swap(i, j);
      j = i;
    }
  }

  private down(i0: number, n: number): boolean {
    let i = i0;
    for (;;) {
      const j1 = 2 * i + 1;
      if (j1 >= n) break;
      let j = j1;
      const j2 = j1 + 1;
      if (j2 < n && this.heapLess(j2, j1)) j = j2;
      if (!this.heapLess(j, i)) break;
      this.swap(i, j);
      i = j;
    }
    return i > i0;
  }
}
