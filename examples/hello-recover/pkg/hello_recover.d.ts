/* tslint:disable */
/* eslint-disable */

/**
 * Counts words.
 */
export class Tally {
    free(): void;
    [Symbol.dispose](): void;
    /**
     * Counts every word of `text`; returns how many it counted.
     *
     * The bug: a word made only of punctuation trims to nothing, and the
     * first-letter lookup below panics on it (panic=abort: a trap).
     */
    add(text: string): number;
    /**
     * How often `word` was counted.
     */
    count(word: string): number;
    /**
     * An empty tally.
     */
    constructor();
    /**
     * How many different words were counted.
     */
    readonly distinct: number;
}
