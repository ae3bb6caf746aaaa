export namespace IPage {
  /**
   * Where a page sits in the whole result.
   */
  export type IPagination = {
    /**
     * 1-based number of this page.
     *
     * @minimum 1
     */
    current: number;

    /**
     * Records per page.
     *
     * @minimum 1
     */
    limit: number;

    /**
     * Number of records in the whole result.
     *
     * @minimum 0
     */
    records: number;

    /**
     * Number of pages in the whole result.
     *
     * @minimum 0
     */
    pages: number;
  };
}
