export function validateOutcome(v: unknown, text: string, file: string): string;
