/** The input families the fuzzer mutates. */
export const KINDS = ['checkpoint', 'package', 'image', 'link'] as const;
export type Kind = (typeof KINDS)[number];
