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

/**
 * The payment for some units at a CMS payment limit: the full limit times the units, rounded to
 * cents once, half up. CMS's ASP pricing files carry limits with 3 decimals, so the product is
 * computed in thousandths of a dollar, where it is exact: 5 x $31.671 (J1745, asp-pricing-2024q2.csv)
 * is $158.355 and pays $158.36, where binary floating point gives 158.35499... and $158.35. A limit
 * with more decimals (a price from outside the CMS files) is multiplied as it is.
 */
export function paymentFor(units: number, paymentLimit: number): Money {
  const mills = Math.round(paymentLimit * 1000);
  if (Number.isInteger(units) && Math.abs(paymentLimit * 1000 - mills) < 1e-6) {
    return { value: Math.round((mills * units) / 10) / 100, currency: 'USD' };
  }
  return money(units * paymentLimit);
}
