/* A term's postings looked up at many documents at once: the compiled path of
 * bot.index.bm25.BM25Index.hits_and_runs (without it, numpy's searchsorted gives the same numbers).
 *
 * hits_and_runs(ids, id_size, tf, tf_size, points, lo, hi, found, count, total): ids are a term's
 * documents, ascending (id_size bytes each, 4 or 8, unsigned), tf its count in each (tf_size bytes, 1,
 * 2 or 4, unsigned); points, lo and hi are int64 document numbers.  found[i] (a byte) is whether the
 * term is in document points[i]; for each run of documents [lo[j], hi[j]), count[j] (int64) is how many
 * of them hold the term and total[j] (float64) the sum of its counts there, added in document order
 * (whole numbers: the same double whatever the order).  The ranker asks it of sixty candidates, their
 * neighbours, paragraphs and articles, for each of a question's terms.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

static inline uint64_t id_at(const char *ids, Py_ssize_t size, Py_ssize_t i) {
    return size == 4 ? ((const uint32_t *)ids)[i] : ((const uint64_t *)ids)[i];
}

static inline uint64_t tf_at(const char *tf, Py_ssize_t size, Py_ssize_t i) {
    return size == 1 ? ((const uint8_t *)tf)[i] : size == 2 ? ((const uint16_t *)tf)[i] : ((const uint32_t *)tf)[i];
}

/* The first position whose document is >= doc (numpy's searchsorted, side="left"); n when none. */
static Py_ssize_t lower_bound(const char *ids, Py_ssize_t size, Py_ssize_t n, int64_t doc) {
    if (doc < 0) return 0;
    Py_ssize_t a = 0, b = n;
    while (a < b) {
        Py_ssize_t m = a + (b - a) / 2;
        if (id_at(ids, size, m) < (uint64_t)doc) a = m + 1;
        else b = m;
    }
    return a;
}

static PyObject *hits_and_runs(PyObject *self, PyObject *args) {
    Py_buffer b_ids, b_tf, b_points, b_lo, b_hi, b_found, b_count, b_total;
    Py_ssize_t id_size, tf_size;
    if (!PyArg_ParseTuple(args, "y*ny*ny*y*y*w*w*w*", &b_ids, &id_size, &b_tf, &tf_size, &b_points, &b_lo, &b_hi,
                          &b_found, &b_count, &b_total))
        return NULL;
    Py_ssize_t n = id_size > 0 ? b_ids.len / id_size : 0, points = b_points.len / 8, runs = b_lo.len / 8;
    int ok = (id_size == 4 || id_size == 8) && (tf_size == 1 || tf_size == 2 || tf_size == 4)
             && b_ids.len == n * id_size && b_tf.len == n * tf_size && b_points.len == points * 8
             && b_lo.len == runs * 8 && b_hi.len == runs * 8 && b_found.len == points && b_count.len == runs * 8
             && b_total.len == runs * 8;
    if (ok) {
        const char *ids = b_ids.buf, *tf = b_tf.buf;
        const int64_t *point = b_points.buf, *lo = b_lo.buf, *hi = b_hi.buf;
        char *found = b_found.buf;
        int64_t *count = b_count.buf;
        double *total = b_total.buf;
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t i = 0; i < points; i++) {
            Py_ssize_t at = lower_bound(ids, id_size, n, point[i]);
            found[i] = point[i] >= 0 && at < n && id_at(ids, id_size, at) == (uint64_t)point[i];
        }
        for (Py_ssize_t j = 0; j < runs; j++) {
            Py_ssize_t a = lower_bound(ids, id_size, n, lo[j]), b = lower_bound(ids, id_size, n, hi[j]);
            double sum = 0.0;
            for (Py_ssize_t k = a; k < b; k++) sum += (double)tf_at(tf, tf_size, k);
            count[j] = b > a ? b - a : 0;
            total[j] = sum;
        }
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&b_ids);
    PyBuffer_Release(&b_tf);
    PyBuffer_Release(&b_points);
    PyBuffer_Release(&b_lo);
    PyBuffer_Release(&b_hi);
    PyBuffer_Release(&b_found);
    PyBuffer_Release(&b_count);
    PyBuffer_Release(&b_total);
    if (!ok) {
        PyErr_SetString(PyExc_ValueError, "postings and run arrays of inconsistent sizes or types");
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"hits_and_runs", hits_and_runs, METH_VARARGS, "Which points hold the term; per run, how many and its counts."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_runs", NULL, -1, methods};

PyMODINIT_FUNC PyInit__runs(void) { return PyModule_Create(&module); }
