// jStat ships no type declarations; these cover the functions the finance layer calls.
declare module 'jstat' {
  interface Continuous {
    pdf(x: number, ...params: number[]): number;
    cdf(x: number, ...params: number[]): number;
    inv(p: number, ...params: number[]): number;
  }
  interface JStatStatic {
    normal: Continuous;
    chisquare: Continuous;
    studentt: Continuous;
    /** ln Γ(x). */
    gammaln(x: number): number;
    binomial: { pdf(k: number, n: number, p: number): number; cdf(k: number, n: number, p: number): number };
    /** ln Γ(x). */
    gammaln(x: number): number;
    /** Least squares by QR: the x minimising |A x - b|. */
    lstsq(A: number[][], b: number[]): number[];
    /** ln Γ(x), by Lanczos' approximation. */
    gammaln(x: number): number;
    /** k-th percentile (0..1) with linear interpolation between order statistics (R's type 7). */
    percentile(values: ArrayLike<number>, k: number, exclusive?: boolean): number;
  }
  const jStat: JStatStatic;
  export default jStat;
}
