import type { Money } from './types.ts';

/** USD rounded to cents. */
export function money(value: number): Money {
  return { value: Math.round(value * 100) / 100, currency: 'USD' };
}

export function sumMoney(a: Money | undefined, b: Money | undefined): Money | undefined {
  if (!a) return b;
  if (!b) return a;
  return money(a.value + b.value);
}
