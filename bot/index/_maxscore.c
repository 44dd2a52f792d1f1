/* Document-at-a-time MaxScore top k over quotebot's term-major postings: the compiled path of
 * bot.index.bm25.BM25Index.search_weighted (bot/index/bm25.py loads it; without it, the numpy
 * block-max search gives the same result).
 *
 * Exactness: a document's score is worked out with the same IEEE double operations, in the same
 * order, as the numpy exhaustive sum: for each use of a term in query order, total = total + c (or
 * c * w when its weight is not 1), c = idf * ((tf * (k1 + 1)) / (tf + norm[doc])), with norm the
 * numpy-computed k1 * (1 - b + b * len / avgdl) of every document.  Bounds only decide which
 * documents are scored; they are compared with a relative margin, so rounding in a bound can never
 * drop a document that belongs in the top k.  Ties go to the lower document: documents are visited
 * in ascending order, so one scoring the same as the k-th held never displaces it.
 *
 * Heavy queries (rank_bm25's idf floor gives a word in most documents a high idf, so its postings
 * cannot be pruned): when the terms that can still get a document in have postings in at least
 * dense_share of the documents, the next CHUNK documents are added up term by term instead (dense_chunk:
 * the same additions in the same order, so the same totals), and such a query starts from a seed's
 * floor (seed_floor: the k-th best exact score of its most promising blocks' documents).
 *
 * Build with -ffp-contract=off (setup.py does): a fused multiply-add would round differently.
 * No Python objects are touched in the loop; the GIL is released while it runs.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>
#include <math.h>

#define MARGIN 1e-9
/* The dense chunk (term-at-a-time, see dense_chunk): this many documents a chunk (their totals, 32 KB,
 * stay in the first-level cache).  It is taken when the essential terms' postings are at least
 * dense_share (the caller's) of the documents: then nearly every document is a candidate, and visiting
 * them one by one (cursor by cursor, each other term looked up) costs several times adding up every
 * posting. */
#define CHUNK 4096
/* The seed (seed_floor): the documents of this many blocks with the largest bounds (more for a large k,
 * up to SEED_BLOCKS_MAX: past that, no seed), as numpy's search seeds with SEED_POSTINGS. */
#define SEED_BLOCKS 16
#define SEED_BLOCKS_MAX 64
/* Term scores of tf 1 .. TF_TABLE in documents of length 0 .. LEN_TABLE are read from a table a term. */
#define TF_TABLE 8
#define LEN_TABLE 256  /* (a table costs TF_TABLE divisions a length: 2,056 at most) */

typedef struct {
    const uint32_t *ids;
    const void *tf;
    int tf_size;
    int64_t pos, hi;
    double idf;
} Cursor;

static inline double uint_at(const void *a, int size, int64_t i) {
    switch (size) {
    case 1: return (double)((const uint8_t *)a)[i];
    case 2: return (double)((const uint16_t *)a)[i];
    case 4: return (double)((const uint32_t *)a)[i];
    default: return (double)((const uint64_t *)a)[i];
    }
}

static inline double tf_at(const Cursor *c, int64_t i) {
    switch (c->tf_size) {
    case 1: return (double)((const uint8_t *)c->tf)[i];
    case 2: return (double)((const uint16_t *)c->tf)[i];
    case 4: return (double)((const uint32_t *)c->tf)[i];
    default: return (double)((const uint64_t *)c->tf)[i];
    }
}

/* First position at or after c->pos whose document is >= doc (galloping, then binary search). */
static inline void advance(Cursor *c, uint32_t doc) {
    int64_t lo = c->pos, hi = c->hi;
    if (lo >= hi || c->ids[lo] >= doc) return;
    int64_t step = 1, probe = lo + 1;
    while (probe < hi && c->ids[probe] < doc) {
        lo = probe;
        step <<= 1;
        probe = lo + step;
    }
    if (probe > hi) probe = hi;
    /* ids[lo] < doc, and probe == hi or ids[probe] >= doc */
    int64_t a = lo + 1, b = probe;
    while (a < b) {
        int64_t m = a + ((b - a) >> 1);
        if (c->ids[m] < doc) a = m + 1; else b = m;
    }
    c->pos = a;
}

/* A term's score for each length 0 .. n_len - 1 and tf 1 .. TF_TABLE (at [len * TF_TABLE + tf - 1]):
 * idf * ((tf * k1p1) / (tf + norm)) with the norm of the length (norm_by_len[len] is what numpy computes
 * for a document of that length), so exactly the score of such a posting. */
static void fill_table(double *table, double idf, const double *norm_by_len, Py_ssize_t n_len, double k1p1) {
    for (Py_ssize_t len = 0; len < n_len; len++)
        for (int f = 1; f <= TF_TABLE; f++)
            table[len * TF_TABLE + f - 1] = idf * (((double)f * k1p1) / ((double)f + norm_by_len[len]));
}

typedef struct {
    const uint32_t *ids;
    const void *tf, *doc_len;
    int tf_size, len_size;
    const double *norm;        /* every document's */
    Py_ssize_t n_len;          /* lengths the tables cover */
    double k1p1;
} Dense;

/* Adds x (the score, times the weight when that is not 1) of each posting in [from, to) to acc[doc - base]. */
static void add_postings(const Dense *g, const double *table, double idf, double w, int64_t from, int64_t to,
                         uint32_t base, double *restrict acc) {
    const uint32_t *restrict ids = g->ids;
    const double *restrict norm = g->norm;
    const uint32_t n_len = (uint32_t)g->n_len;
    const double k1p1 = g->k1p1;
    if (g->tf_size == 1 && g->len_size == 1) {  /* the usual index: both narrow */
        const uint8_t *restrict tf = g->tf, *restrict len = g->doc_len;
        if (w == 1.0) {
            for (int64_t p = from; p < to; p++) {
                uint32_t d = ids[p], f = tf[p], l = len[d];
                double x = (f - 1 < TF_TABLE && l < n_len) ? table[l * TF_TABLE + f - 1]
                                                          : idf * (((double)f * k1p1) / ((double)f + norm[d]));
                acc[d - base] += x;
            }
        } else {
            for (int64_t p = from; p < to; p++) {
                uint32_t d = ids[p], f = tf[p], l = len[d];
                double x = (f - 1 < TF_TABLE && l < n_len) ? table[l * TF_TABLE + f - 1]
                                                          : idf * (((double)f * k1p1) / ((double)f + norm[d]));
                acc[d - base] += x * w;
            }
        }
        return;
    }
    for (int64_t p = from; p < to; p++) {
        uint32_t d = ids[p];
        double f = uint_at(g->tf, g->tf_size, p), l = uint_at(g->doc_len, g->len_size, d);
        double x = (f >= 1 && f <= TF_TABLE && l < (double)n_len)
                       ? table[(int64_t)l * TF_TABLE + (int64_t)f - 1] : idf * ((f * k1p1) / (f + norm[d]));
        acc[d - base] += w == 1.0 ? x : x * w;
    }
}

/* The k held: a min-heap by (score ascending, document descending): its root is the one to drop. */
typedef struct { double score; int64_t doc; } Entry;

static inline int worse(const Entry *a, const Entry *b) {
    return a->score < b->score || (a->score == b->score && a->doc > b->doc);
}

static void sift_down(Entry *h, Py_ssize_t n, Py_ssize_t i) {
    for (;;) {
        Py_ssize_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && worse(&h[l], &h[m])) m = l;
        if (r < n && worse(&h[r], &h[m])) m = r;
        if (m == i) return;
        Entry t = h[i]; h[i] = h[m]; h[m] = t;
        i = m;
    }
}

static void sift_up(Entry *h, Py_ssize_t i) {
    while (i > 0) {
        Py_ssize_t p = (i - 1) / 2;
        if (!worse(&h[i], &h[p])) return;
        Entry t = h[i]; h[i] = h[p]; h[p] = t;
        i = p;
    }
}

/* The terms in ascending order of their bounds, and the running sums of those bounds (with the margin). */
static void order_by(const double *bound, Py_ssize_t *order, double *prefix, Py_ssize_t m) {
    for (Py_ssize_t t = 0; t < m; t++) order[t] = t;
    for (Py_ssize_t i = 1; i < m; i++) {  /* insertion sort: a query has a handful of terms */
        Py_ssize_t x = order[i], j = i;
        while (j > 0 && bound[order[j - 1]] > bound[x]) { order[j] = order[j - 1]; j--; }
        order[j] = x;
    }
    double run = 0.0;
    for (Py_ssize_t i = 0; i < m; i++) { run += bound[order[i]]; prefix[i] = run * (1 + MARGIN); }
}

static inline Py_ssize_t split_at(const double *prefix, Py_ssize_t m, Py_ssize_t from, double theta) {
    while (from < m && prefix[from] < theta) from++;
    return from;
}

/* Each block's bound on a term's weighted score in any of its documents, and each term's largest,
 * from the index's per-block figures (largest tf, least length, least length / tf), with BM25's
 * collection figures of now: the score of the largest tf in the shortest document, or, when lower,
 * idf (k1 + 1) / (1 + k1 (1 - b) / tf + (k1 b / avgdl) len / tf) with a margin; the same expressions
 * as bot.index.bm25's _block_bound, times the term's total weight (with a margin). */
static void block_bounds(Py_ssize_t m, const int64_t *lo, const int64_t *hi, const int64_t *first_block,
                         Py_ssize_t block, const double *idf, const double *wsum, const void *max_tf, int max_tf_size,
                         const void *min_len, int min_len_size, const float *min_ratio, double k1, double k1p1,
                         double b, double avgdl, int64_t *block_start, double *block_bound, double *bound) {
    int64_t at = 0;
    for (Py_ssize_t t = 0; t < m; t++) {
        int64_t n = (hi[t] - lo[t] + block - 1) / block;
        double weight = wsum[t] * (1 + 1e-9), best = 0.0;
        block_start[t] = at;
        for (int64_t j = 0; j < n; j++) {
            int64_t g = first_block[t] + j;
            double tf = uint_at(max_tf, max_tf_size, g), len = uint_at(min_len, min_len_size, g);
            double norm = avgdl != 0.0 ? k1 * (1 - b + b * len / avgdl) : k1;
            double x = idf[t] * (tf * k1p1 / (tf + norm));
            if (avgdl != 0.0) {
                double tight = idf[t] * k1p1 / (1 + k1 * (1 - b) / tf + (k1 * b / avgdl) * (double)min_ratio[g]);
                tight = tight * (1 + 1e-9);
                if (tight < x) x = tight;
            }
            x = x * weight;
            block_bound[at + j] = x;
            if (j == 0 || x > best) best = x;
        }
        bound[t] = best;
        at += n;
    }
}

static int by_number(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* The floor: the k-th best exact score of the documents in the blocks with the largest bounds (of all
 * the terms' blocks, the earliest of equal ones), worked out as the documents are scored elsewhere.
 * Those are k documents scoring at least that, so the k best all do: a document whose bound is below it
 * cannot get in, held or not.  -INFINITY when the blocks hold fewer than k documents (or memory is short).
 * The heap's k entries are scratch here. */
static double seed_floor(const uint32_t *ids, const void *tf, int tf_size, const double *norm, Py_ssize_t m,
                         const int64_t *lo, const int64_t *hi, Py_ssize_t block, const int64_t *block_start,
                         const double *block_bound, const double *idf, const int64_t *use_term,
                         const double *use_weight, Py_ssize_t n_uses, Py_ssize_t k, double k1p1, Entry *heap) {
    Py_ssize_t want = (4 * k + block - 1) / block;
    if (want < SEED_BLOCKS) want = SEED_BLOCKS;
    if (want > SEED_BLOCKS_MAX) return -INFINITY;
    Py_ssize_t bt[SEED_BLOCKS_MAX], got = 0;
    int64_t bj[SEED_BLOCKS_MAX];
    double bv[SEED_BLOCKS_MAX];
    for (Py_ssize_t t = 0; t < m; t++) {  /* the best blocks, kept in descending order of bound */
        int64_t n = (hi[t] - lo[t] + block - 1) / block;
        for (int64_t j = 0; j < n; j++) {
            double x = block_bound[block_start[t] + j];
            if (got == want && x <= bv[got - 1]) continue;
            Py_ssize_t at = got < want ? got++ : want - 1;
            while (at > 0 && bv[at - 1] < x) {
                bt[at] = bt[at - 1]; bj[at] = bj[at - 1]; bv[at] = bv[at - 1];
                at--;
            }
            bt[at] = t; bj[at] = j; bv[at] = x;
        }
    }
    double floor_score = -INFINITY;
    uint32_t *docs = PyMem_RawMalloc((got * block + 1) * sizeof(uint32_t));
    double *part = PyMem_RawMalloc((got * block * m + 1) * sizeof(double));
    if (docs && part) {
        Py_ssize_t nd = 0;
        for (Py_ssize_t i = 0; i < got; i++) {
            int64_t a = lo[bt[i]] + bj[i] * block, b = a + block < hi[bt[i]] ? a + block : hi[bt[i]];
            for (int64_t p = a; p < b; p++) docs[nd++] = ids[p];
        }
        qsort(docs, nd, sizeof(uint32_t), by_number);
        Py_ssize_t unique = 0;
        for (Py_ssize_t i = 0; i < nd; i++)
            if (i == 0 || docs[i] != docs[i - 1]) docs[unique++] = docs[i];
        nd = unique;
        if (nd >= k) {
            for (Py_ssize_t t = 0; t < m; t++) {  /* each term's score in each (-1: not there) */
                Cursor c = {ids, tf, tf_size, lo[t], hi[t], idf[t]};
                for (Py_ssize_t i = 0; i < nd; i++) {
                    advance(&c, docs[i]);
                    double x = -1.0;
                    if (c.pos < c.hi && ids[c.pos] == docs[i]) {
                        double f = tf_at(&c, c.pos);
                        x = c.idf * ((f * k1p1) / (f + norm[docs[i]]));
                    }
                    part[t * nd + i] = x;
                }
            }
            Py_ssize_t held = 0;
            for (Py_ssize_t i = 0; i < nd; i++) {
                double total = 0.0;
                int first_use = 1;
                for (Py_ssize_t u = 0; u < n_uses; u++) {  /* in query order, as numpy adds them */
                    double c = part[use_term[u] * nd + i];
                    if (c < 0) continue;
                    double x = use_weight[u] == 1.0 ? c : c * use_weight[u];
                    total = first_use ? x : total + x;
                    first_use = 0;
                }
                if (held < k) {
                    heap[held].score = total;
                    heap[held].doc = i;
                    sift_up(heap, held);
                    held++;
                } else if (total > heap[0].score) {
                    heap[0].score = total;
                    heap[0].doc = i;
                    sift_down(heap, k, 0);
                }
            }
            floor_score = heap[0].score;
        }
    }
    PyMem_RawFree(docs);
    PyMem_RawFree(part);
    return floor_score;
}

/* The dense chunk: documents start .. last (at most CHUNK of them) term by term, not document by
 * document.  Each term's postings there are walked once per use of it, in query order, adding each
 * score (times its weight when that is not 1) to the document's total, total = total + x, as numpy's
 * exhaustive sum does, so every total is exact; then the totals are read in document order into the k
 * held (one scoring the same as the k-th never displaces it: its number is higher), those at least the
 * floor.  A block of a term whose bound, with every other term's largest block bound in the chunk, is
 * below the bar (the floor, or the k-th held's score when higher and k are held) is not read: a document
 * in it has a total below its score, and its score is below the bar, so it is never held.  Every cursor
 * ends past last.  The caller's count held and k-th score (theta) are kept up to date. */
static void dense_chunk(const Dense *g, Cursor *cur, Py_ssize_t m, const int64_t *lo, Py_ssize_t block,
                          const int64_t *block_start, const double *block_bound, const int64_t *use_term,
                          const double *use_weight, Py_ssize_t n_uses, const double *idf, const double *table,
                          Py_ssize_t table_stride, double *acc, int64_t *from, double *chunk_bound, Entry *heap,
                          Py_ssize_t k, Py_ssize_t *held, double floor_score, double *theta, uint32_t start,
                          uint32_t last) {
    double bar = *held == k && *theta > floor_score ? *theta : floor_score, total = 0.0;
    for (Py_ssize_t t = 0; t < m; t++) {
        advance(&cur[t], start);
        from[t] = cur[t].pos;
        advance(&cur[t], last + 1);
        double b = 0.0;
        if (from[t] < cur[t].pos) {
            int64_t j0 = (from[t] - lo[t]) / block, j1 = (cur[t].pos - 1 - lo[t]) / block;
            for (int64_t j = j0; j <= j1; j++)
                if (block_bound[block_start[t] + j] > b) b = block_bound[block_start[t] + j];
        }
        chunk_bound[t] = b;
        total += b;
    }
    if (total * (1 + MARGIN) < bar) return;  /* nothing here can get in */
    for (Py_ssize_t u = 0; u < n_uses; u++) {  /* in query order, as numpy adds them */
        Py_ssize_t t = use_term[u];
        if (from[t] >= cur[t].pos) continue;
        double others = total - chunk_bound[t];
        const double *tt = table + t * table_stride;
        int64_t j0 = (from[t] - lo[t]) / block, j1 = (cur[t].pos - 1 - lo[t]) / block, run = -1, run_end = -1;
        for (int64_t j = j0; j <= j1; j++) {  /* runs of the blocks that can get a document in */
            int64_t b_lo = lo[t] + j * block, b_hi = b_lo + block;
            if (b_lo < from[t]) b_lo = from[t];
            if (b_hi > cur[t].pos) b_hi = cur[t].pos;
            if ((block_bound[block_start[t] + j] + others) * (1 + MARGIN) >= bar) {
                if (run < 0) run = b_lo;
                run_end = b_hi;
            } else if (run >= 0) {
                add_postings(g, tt, idf[t], use_weight[u], run, run_end, start, acc);
                run = -1;
            }
        }
        if (run >= 0) add_postings(g, tt, idf[t], use_weight[u], run, run_end, start, acc);
    }
    Py_ssize_t span = (Py_ssize_t)(last - start) + 1;
    for (Py_ssize_t i = 0; i < span; i += 8) {
        Py_ssize_t n = span - i < 8 ? span - i : 8;
        double top = 0.0;
        for (Py_ssize_t j = 0; j < n; j++) top = acc[i + j] > top ? acc[i + j] : top;
        if (top < bar) continue;
        for (Py_ssize_t j = 0; j < n; j++) {
            double x = acc[i + j];
            if (x < floor_score) continue;
            if (*held < k) {
                heap[*held].score = x;
                heap[*held].doc = (int64_t)start + i + j;
                sift_up(heap, *held);
                if (++*held == k) *theta = heap[0].score;
            } else if (x > *theta) {
                heap[0].score = x;
                heap[0].doc = (int64_t)start + i + j;
                sift_down(heap, k, 0);
                *theta = heap[0].score;
            }
        }
    }
    memset(acc, 0, span * sizeof(double));
}

/* maxscore(doc_ids, tf, tf_size, norm, lo, hi, idf, first_block, block_max_tf, max_tf_size, block_min_len,
 *          min_len_size, block_min_ratio, block, use_term, use_weight, k, k1, k1p1, b, avgdl, out_docs,
 *          out_scores, doc_len, len_size, norm_by_len, dense_share) -> number of documents written.
 * Per term: postings [lo, hi) of doc_ids/tf, its idf and the number of its first block in the per-block
 * arrays (block j: postings lo + j * block ...); per use of a term in query order: the term's number and
 * weight; BM25's k1, k1 + 1, b and the average length; norm: every document's k1 (1 - b + b len / avgdl);
 * doc_len (len_size bytes each) every document's length and norm_by_len the norm of each length 0, 1, ...
 * (equal to norm[doc] for a document of that length; may be empty); dense_share: see the top comment. */
static PyObject *maxscore(PyObject *self, PyObject *args) {
    Py_buffer b_ids, b_tf, b_norm, b_lo, b_hi, b_idf, b_fb, b_bmax, b_bmin, b_bratio, b_ut, b_uw, b_od, b_os, b_len,
        b_nbl;
    int tf_size, max_tf_size, min_len_size, len_size;
    Py_ssize_t k, block;
    double k1, k1p1, bb, avgdl, dense_share;
    if (!PyArg_ParseTuple(args, "y*y*iy*y*y*y*y*y*iy*iy*ny*y*nddddw*w*y*iy*d", &b_ids, &b_tf, &tf_size, &b_norm, &b_lo,
                          &b_hi, &b_idf, &b_fb, &b_bmax, &max_tf_size, &b_bmin, &min_len_size, &b_bratio, &block,
                          &b_ut, &b_uw, &k, &k1, &k1p1, &bb, &avgdl, &b_od, &b_os, &b_len, &len_size, &b_nbl,
                          &dense_share))
        return NULL;
    Py_ssize_t n_docs = b_norm.len / 8, n_len = b_nbl.len / 8;
    if (n_len > LEN_TABLE + 1) n_len = LEN_TABLE + 1;
    Py_ssize_t m = b_lo.len / 8, n_uses = b_ut.len / 8, written = 0;
    const int64_t *lo = b_lo.buf, *hi = b_hi.buf, *use_term = b_ut.buf, *first_block = b_fb.buf;
    const double *idf = b_idf.buf, *use_weight = b_uw.buf, *norm = b_norm.buf;
    const uint32_t *ids = b_ids.buf;
    Cursor *cur = NULL;
    Py_ssize_t *order = NULL, *worder = NULL;
    double *prefix = NULL, *contrib = NULL, *wsum = NULL, *wbound = NULL, *wprefix = NULL;
    double *bound = NULL, *block_bound = NULL;
    int64_t *block_start = NULL, n_blocks = 0;
    char *present = NULL;
    Entry *heap = NULL;
    double *acc = NULL, *table = NULL, *chunk_bound = NULL;
    int64_t *from = NULL;
    int sizes_ok = (tf_size == 1 || tf_size == 2 || tf_size == 4 || tf_size == 8)
                   && (max_tf_size == 1 || max_tf_size == 2 || max_tf_size == 4 || max_tf_size == 8)
                   && (min_len_size == 1 || min_len_size == 2 || min_len_size == 4 || min_len_size == 8)
                   && (len_size == 1 || len_size == 2 || len_size == 4 || len_size == 8)
                   && b_len.len == n_docs * len_size;
    int ok = sizes_ok && k > 0 && m > 0 && block > 0 && b_od.len >= (Py_ssize_t)(k * 8)
             && b_os.len >= (Py_ssize_t)(k * 8) && b_fb.len == b_lo.len && b_hi.len == b_lo.len && b_idf.len == b_lo.len;
    if (ok) {
        /* every block a term's postings need must be in the per-block arrays */
        Py_ssize_t entries = b_bratio.len / 4;
        ok = b_bmax.len == entries * max_tf_size && b_bmin.len == entries * min_len_size;
        for (Py_ssize_t t = 0; t < m && ok; t++) {
            int64_t n = (hi[t] - lo[t] + block - 1) / block;
            ok = lo[t] >= 0 && hi[t] > lo[t] && first_block[t] >= 0 && first_block[t] + n <= entries;
            n_blocks += n;
        }
    }
    if (ok) {
        bound = PyMem_RawMalloc(m * sizeof(double));
        block_start = PyMem_RawMalloc(m * sizeof(int64_t));
        block_bound = PyMem_RawMalloc((n_blocks ? n_blocks : 1) * sizeof(double));
        cur = PyMem_RawMalloc(m * sizeof(Cursor));
        order = PyMem_RawMalloc(m * sizeof(Py_ssize_t));
        worder = PyMem_RawMalloc(m * sizeof(Py_ssize_t));
        prefix = PyMem_RawMalloc(m * sizeof(double));
        wprefix = PyMem_RawMalloc(m * sizeof(double));
        wbound = PyMem_RawMalloc(m * sizeof(double));
        contrib = PyMem_RawMalloc(m * sizeof(double));
        wsum = PyMem_RawMalloc(m * sizeof(double));
        present = PyMem_RawMalloc(m);
        heap = PyMem_RawMalloc(k * sizeof(Entry));
        ok = cur && order && worder && prefix && wprefix && wbound && contrib && wsum && present && heap && bound
             && block_start && block_bound;
    }
    if (ok) {
        Py_BEGIN_ALLOW_THREADS
        /* dense: -1 not yet needed, 1 ready (acc, table and from made), 0 never (no memory) */
        int dense = -1;
        Dense g = {ids, b_tf.buf, b_len.buf, tf_size, len_size, norm, n_len, k1p1};
        for (Py_ssize_t t = 0; t < m; t++) {
            cur[t].ids = ids;
            cur[t].tf = b_tf.buf;
            cur[t].tf_size = tf_size;
            cur[t].pos = lo[t];
            cur[t].hi = hi[t];
            cur[t].idf = idf[t];
            wsum[t] = 0.0;
        }
        for (Py_ssize_t u = 0; u < n_uses; u++) wsum[use_term[u]] += use_weight[u];
        block_bounds(m, lo, hi, first_block, block, idf, wsum, b_bmax.buf, max_tf_size, b_bmin.buf, min_len_size,
                     b_bratio.buf, k1, k1p1, bb, avgdl, block_start, block_bound, bound);
        order_by(bound, order, prefix, m);
        /* theta: the k-th held's score once k are held; floor_score: the seed's (a heavy query only: one
         * dense enough for dense chunks), below which nothing gets in; the bar: the higher of the two */
        double theta = -INFINITY, floor_score = -INFINITY, postings = 0.0;
        int positive = 1;  /* (the seed's argument needs every score above 0: bounds are scaled up by the margin) */
        for (Py_ssize_t t = 0; t < m; t++) {
            postings += (double)(hi[t] - lo[t]);
            positive &= idf[t] > 0.0;
        }
        for (Py_ssize_t u = 0; u < n_uses; u++) positive &= use_weight[u] > 0.0;
        if (positive && postings >= dense_share * (double)n_docs)
            floor_score = seed_floor(ids, b_tf.buf, tf_size, norm, m, lo, hi, block, block_start, block_bound, idf,
                                     use_term, use_weight, n_uses, k, k1p1, heap);
        double bar = floor_score;
        /* order[0 .. first_essential): non-essential overall */
        Py_ssize_t held = 0, first_essential = split_at(prefix, m, 0, bar);
        /* per window: each term's largest block bound there (wbound), the terms in that order (worder),
         * and worder[0 .. split): non-essential in the window */
        Py_ssize_t split = 0;
        for (;;) {
            /* The next window: from the first document of a term that can still matter, to the end of
             * the block that cursor (or another such term's) is in, whichever ends first. */
            uint32_t start = UINT32_MAX, end = UINT32_MAX;
            int any = 0;
            for (Py_ssize_t i = first_essential; i < m; i++) {
                Cursor *c = &cur[order[i]];
                if (c->pos >= c->hi) continue;
                uint32_t d = ids[c->pos];
                int64_t j = (c->pos - lo[order[i]]) / block, last = lo[order[i]] + (j + 1) * block;
                uint32_t block_end = ids[(last < c->hi ? last : c->hi) - 1];
                if (!any || d < start) start = d;
                if (!any || block_end < end) end = block_end;
                any = 1;
            }
            if (!any) break;
            /* Dense enough (the essential terms' postings at least dense_share of the documents): the next
             * CHUNK documents from start term by term (dense_chunk).  Only with k held and the k-th above 0:
             * a total of 0 could be a document without a posting. */
            if (bar > 0.0 && dense != 0 && (Py_ssize_t)start < n_docs) {
                double share = 0.0;
                for (Py_ssize_t i = first_essential; i < m; i++) share += (double)(hi[order[i]] - lo[order[i]]);
                if (share >= dense_share * (double)n_docs && dense < 0) {
                    acc = PyMem_RawCalloc(CHUNK, sizeof(double));
                    table = PyMem_RawMalloc((m * TF_TABLE * n_len + 1) * sizeof(double));
                    from = PyMem_RawMalloc(m * sizeof(int64_t));
                    chunk_bound = PyMem_RawMalloc(m * sizeof(double));
                    dense = acc && table && from && chunk_bound ? 1 : 0;  /* (no memory: document by document) */
                    for (Py_ssize_t t = 0; t < m && dense; t++)
                        fill_table(table + t * TF_TABLE * n_len, idf[t], b_nbl.buf, n_len, k1p1);
                }
                if (share >= dense_share * (double)n_docs && dense > 0) {
                    uint32_t last = (uint64_t)start + CHUNK > (uint64_t)n_docs ? (uint32_t)(n_docs - 1)
                                                                                 : start + (CHUNK - 1);
                    dense_chunk(&g, cur, m, lo, block, block_start, block_bound, use_term, use_weight, n_uses, idf,
                                table, TF_TABLE * n_len, acc, from, chunk_bound, heap, k, &held, floor_score, &theta,
                                start, last);
                    if (held == k && theta > bar) bar = theta;
                    first_essential = split_at(prefix, m, first_essential, bar);
                    continue;
                }
            }
            /* each term's bound in the window: its blocks with documents in [start, end] */
            double window_total = 0.0;
            for (Py_ssize_t t = 0; t < m; t++) {
                Cursor *c = &cur[t];
                advance(c, start);
                double b = 0.0;
                if (c->pos < c->hi && ids[c->pos] <= end) {
                    int64_t j = (c->pos - lo[t]) / block;
                    for (;;) {
                        double x = block_bound[block_start[t] + j];
                        if (x > b) b = x;
                        int64_t next = lo[t] + (j + 1) * block;
                        if (next >= c->hi || ids[next] > end) break;
                        j++;
                    }
                }
                wbound[t] = b;
                window_total += b;
            }
            if (window_total * (1 + MARGIN) >= bar) {
                order_by(wbound, worder, wprefix, m);
                split = split_at(wprefix, m, 0, bar);
                /* the window, document by document: candidates from its essential terms */
                for (;;) {
                    uint32_t doc = UINT32_MAX;
                    int found = 0;
                    for (Py_ssize_t i = split; i < m; i++) {
                        Cursor *c = &cur[worder[i]];
                        if (c->pos < c->hi && ids[c->pos] <= end && (!found || ids[c->pos] < doc)) {
                            doc = ids[c->pos];
                            found = 1;
                        }
                    }
                    if (!found) break;
                    memset(present, 0, m);
                    double upper = split ? wprefix[split - 1] : 0.0;
                    for (Py_ssize_t i = split; i < m; i++) {
                        Py_ssize_t t = worder[i];
                        Cursor *c = &cur[t];
                        if (c->pos < c->hi && ids[c->pos] == doc) {
                            double f = tf_at(c, c->pos);
                            contrib[t] = c->idf * ((f * k1p1) / (f + norm[doc]));
                            present[t] = 1;
                            upper += contrib[t] * wsum[t];
                            c->pos++;
                        }
                    }
                    /* the other terms looked up, largest bound first, while the document can get in */
                    int skip = 0;
                    for (Py_ssize_t i = split - 1; i >= 0; i--) {
                        if (upper * (1 + MARGIN) < bar) { skip = 1; break; }
                        Py_ssize_t t = worder[i];
                        Cursor *c = &cur[t];
                        advance(c, doc);
                        if (c->pos < c->hi && ids[c->pos] == doc) {
                            double f = tf_at(c, c->pos);
                            contrib[t] = c->idf * ((f * k1p1) / (f + norm[doc]));
                            present[t] = 1;
                            upper += contrib[t] * wsum[t] - wbound[t];
                        } else {
                            upper -= wbound[t];
                        }
                    }
                    if (skip || upper * (1 + MARGIN) < bar) continue;
                    double total = 0.0;
                    int first_use = 1;
                    for (Py_ssize_t u = 0; u < n_uses; u++) {  /* in query order, as numpy adds them */
                        Py_ssize_t t = use_term[u];
                        if (!present[t]) continue;
                        double x = use_weight[u] == 1.0 ? contrib[t] : contrib[t] * use_weight[u];
                        total = first_use ? x : total + x;
                        first_use = 0;
                    }
                    if (total < floor_score) continue;
                    if (held < k) {
                        heap[held].score = total;
                        heap[held].doc = doc;
                        sift_up(heap, held);
                        held++;
                    } else if (total > theta) {
                        heap[0].score = total;
                        heap[0].doc = doc;
                        sift_down(heap, k, 0);
                    } else {
                        continue;
                    }
                    if (held == k) {
                        theta = heap[0].score;
                        if (theta > bar) bar = theta;
                        first_essential = split_at(prefix, m, first_essential, bar);
                        split = split_at(wprefix, m, split, bar);
                    }
                }
            }
            /* past the window: every term that can still matter starts after it */
            if (end == UINT32_MAX) break;
            for (Py_ssize_t i = first_essential; i < m; i++) advance(&cur[order[i]], end + 1);
        }
        /* out: best first (score descending, then lower document) */
        Py_ssize_t n = held;
        while (n > 0) {
            Entry top = heap[0];
            heap[0] = heap[n - 1];
            n--;
            sift_down(heap, n, 0);
            ((int64_t *)b_od.buf)[n] = top.doc;
            ((double *)b_os.buf)[n] = top.score;
        }
        written = held;
        Py_END_ALLOW_THREADS
    }
    PyMem_RawFree(cur); PyMem_RawFree(order); PyMem_RawFree(worder); PyMem_RawFree(prefix);
    PyMem_RawFree(wprefix); PyMem_RawFree(wbound); PyMem_RawFree(contrib); PyMem_RawFree(wsum);
    PyMem_RawFree(present); PyMem_RawFree(heap); PyMem_RawFree(bound); PyMem_RawFree(block_start);
    PyMem_RawFree(block_bound); PyMem_RawFree(acc); PyMem_RawFree(table); PyMem_RawFree(from);
    PyMem_RawFree(chunk_bound);
    Py_buffer *all[] = {&b_ids, &b_tf, &b_norm, &b_lo, &b_hi, &b_idf, &b_fb, &b_bmax, &b_bmin, &b_bratio, &b_ut,
                        &b_uw, &b_od, &b_os, &b_len, &b_nbl};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) PyBuffer_Release(all[i]);
    if (!ok) {
        PyErr_SetString(PyExc_ValueError, "maxscore: bad arguments or out of memory");
        return NULL;
    }
    return PyLong_FromSsize_t(written);
}

static PyMethodDef methods[] = {
    {"maxscore", maxscore, METH_VARARGS, "Exact top k by document-at-a-time MaxScore (see the module's comment)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_maxscore", NULL, -1, methods};

PyMODINIT_FUNC PyInit__maxscore(void) { return PyModule_Create(&module); }
