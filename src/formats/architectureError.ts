/** The checkpoint is readable but is not (or not entirely) the authors' architecture. */
export class ArchitectureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArchitectureError';
  }
}
