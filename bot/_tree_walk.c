/* The walk of a tree ensemble's rows to their leaves: the compiled path of bot.trees.TreeEnsemble.raw
 * (without it, numpy walks all rows and trees a level at a time, which gives the same leaves).
 *
 * leaves(rows, n_features, root, feature, split, left, right, n_internal, out): rows is n x n_features
 * float64, row-major; root[t] is tree t's first node; nodes below n_internal are tests (go left when
 * the row's value is <= split, as numpy compares: NaN goes right), the others leaves.  out (n x
 * n_trees int64) receives each row's leaf number (node - n_internal) in each tree.  The leaf values are
 * summed by the caller, with numpy, so the scores round exactly as before.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

static PyObject *leaves(PyObject *self, PyObject *args) {
    Py_buffer b_rows, b_root, b_feature, b_split, b_left, b_right, b_out;
    Py_ssize_t n_features, n_internal;
    if (!PyArg_ParseTuple(args, "y*ny*y*y*y*y*nw*", &b_rows, &n_features, &b_root, &b_feature, &b_split,
                          &b_left, &b_right, &n_internal, &b_out))
        return NULL;
    Py_ssize_t n_trees = b_root.len / 8, n_nodes = b_feature.len / 8;
    Py_ssize_t n_rows = n_features > 0 ? b_rows.len / 8 / n_features : 0;
    int ok = n_features > 0 && b_rows.len == n_rows * n_features * 8 && b_out.len == n_rows * n_trees * 8
             && b_split.len == b_feature.len && b_left.len == b_feature.len && b_right.len == b_feature.len
             && n_internal >= 0 && n_internal <= n_nodes;
    const double *rows = b_rows.buf, *split = b_split.buf;
    const int64_t *root = b_root.buf, *feature = b_feature.buf, *left = b_left.buf, *right = b_right.buf;
    int64_t *out = b_out.buf;
    if (ok) {
        /* every node a walk can reach must be in range, or a damaged model would read out of bounds */
        for (Py_ssize_t i = 0; i < n_trees && ok; i++) ok = root[i] >= 0 && root[i] < n_nodes;
        for (Py_ssize_t i = 0; i < n_internal && ok; i++)
            ok = feature[i] >= 0 && feature[i] < n_features && left[i] >= 0 && left[i] < n_nodes
                 && right[i] >= 0 && right[i] < n_nodes && left[i] > i && right[i] > i;
    }
    if (ok) {
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t r = 0; r < n_rows; r++) {
            const double *row = rows + r * n_features;
            for (Py_ssize_t t = 0; t < n_trees; t++) {
                int64_t node = root[t];
                while (node < n_internal)  /* children come after their parent: the walk ends */
                    node = row[feature[node]] <= split[node] ? left[node] : right[node];
                out[r * n_trees + t] = node - n_internal;
            }
        }
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&b_rows);
    PyBuffer_Release(&b_root);
    PyBuffer_Release(&b_feature);
    PyBuffer_Release(&b_split);
    PyBuffer_Release(&b_left);
    PyBuffer_Release(&b_right);
    PyBuffer_Release(&b_out);
    if (!ok) {
        PyErr_SetString(PyExc_ValueError, "tree ensemble arrays of inconsistent sizes or out-of-range nodes");
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"leaves", leaves, METH_VARARGS, "Each row's leaf in each tree of an ensemble (see the file's comment)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_tree_walk", NULL, -1, methods};

PyMODINIT_FUNC PyInit__tree_walk(void) { return PyModule_Create(&module); }
