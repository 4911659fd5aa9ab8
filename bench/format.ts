// The text report's two conventions, shared by every phase's formatter: whole numbers with
// thousands separators, and a label column padded so the figures line up.
export const num = (x: number): string => x.toLocaleString('en-US');
export const label = (text: string): string => `  ${text.padEnd(40)}`;
