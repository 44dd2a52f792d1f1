/* How each candidate sentence's words meet a question's, and the words of its article's title: the
 * compiled paths of bot.answer.ranking.word_match and Ranker.titles_terms (without it, Python reads the
 * same words and gives the same numbers).
 *
 * match(texts, fold, cache, cache_size, known, piece_words, wanted, keys, values, surface_total, out): for
 * each sentence of the list `texts`, its folded text (fold(text)) is split at white space and each
 * piece's words are the pair of tuples (terms, surfaces) that `cache` holds for it, or that
 * piece_words(piece) returns (bot.text.piece_words, which also keeps it in the cache, at most
 * cache_size pieces); a piece of letters that the dict `known` maps to its term is read from `known`.
 * `wanted` is the set of the question's terms; keys[i] (a str) is one of the question's words as
 * typed, hyphens and spaces left out, worth values[i] (a float).  Row r of out (n x 5 float64,
 * row-major) receives, as the Python path computes them:
 *   0 surface: the values of the keys some word of the sentence is (hyphens and spaces left out), summed
 *     in key order, over surface_total;
 *   1 phrases: adjacent words that are both wanted terms, and two different ones;
 *   2 new_words: log1p(words that are not wanted terms);
 *   3 length: log1p(words);
 *   4 spread: log1p((last wanted word's place - first's + 1) / distinct wanted terms met), 0 when none.
 * Python does the arithmetic in the same order with the same libm, so every number is the same double.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <string.h>

/* The word as the surface feature compares it: hyphens and spaces left out (a new reference). */
static PyObject *joined(PyObject *surface) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(surface);
    if (PyUnicode_FindChar(surface, '-', 0, n, 1) == -1 && PyUnicode_FindChar(surface, ' ', 0, n, 1) == -1) {
        Py_INCREF(surface);
        return surface;
    }
    PyObject *dash = PyUnicode_FromString("-"), *space = PyUnicode_FromString(" "), *empty = PyUnicode_FromString("");
    PyObject *a = NULL, *b = NULL;
    if (dash && space && empty && (a = PyUnicode_Replace(surface, dash, empty, -1)) != NULL)
        b = PyUnicode_Replace(a, space, empty, -1);
    Py_XDECREF(a);
    Py_XDECREF(dash);
    Py_XDECREF(space);
    Py_XDECREF(empty);
    return b;
}

/* bot.text._piece_words' commonest case, without a call into Python or the piece cache: a piece of
 * letters only that the index's surface map `known` (a dict) holds is the one word `term` written as
 * the piece itself.  Returns that term (borrowed), or NULL: not that case (an exception if one is set).
 * Such pieces are not put in the cache: at 10M sentences there are more of them than it holds, and
 * refilling it after each clearing cost more than this look-up. */
static PyObject *alpha_known(PyObject *piece, PyObject *known) {
    if (!PyDict_Check(known)) return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(piece);
    int kind = PyUnicode_KIND(piece);
    const void *data = PyUnicode_DATA(piece);
    if (n == 0) return NULL;
    for (Py_ssize_t i = 0; i < n; i++)
        if (!Py_UNICODE_ISALPHA(PyUnicode_READ(kind, data, i))) return NULL;  /* str.isalpha */
    return PyDict_GetItemWithError(known, piece);
}

/* What reading a text's words takes: bot.text.fold, the piece cache and its size, the index's surface
 * map, and bot.text.piece_words for the pieces neither alpha_known nor the cache reads. */
typedef struct {
    PyObject *fold, *cache, *known, *piece_words;
    Py_ssize_t cache_size;
} Reader;

/* The folded text's pieces between white space (a new list), or NULL with an exception. */
static PyObject *folded_pieces(const Reader *r, PyObject *text) {
    PyObject *folded = PyObject_CallOneArg(r->fold, text);
    if (folded == NULL) return NULL;
    if (!PyUnicode_Check(folded)) {
        Py_DECREF(folded);
        PyErr_SetString(PyExc_TypeError, "fold must return a str");
        return NULL;
    }
    PyObject *pieces = PyUnicode_Split(folded, NULL, -1);
    Py_DECREF(folded);
    return pieces;
}

/* A piece's (terms, surfaces), two tuples of one length (a new reference), or NULL with an exception. */
static PyObject *piece_pair(const Reader *r, PyObject *piece) {
    PyObject *pair = PyDict_GetItemWithError(r->cache, piece);
    if (pair != NULL) {
        Py_INCREF(pair);
    } else if (PyErr_Occurred()) {
        return NULL;
    } else if ((pair = PyObject_CallOneArg(r->piece_words, piece)) == NULL) {
        return NULL;
    }
    PyObject *terms, *surfaces;
    if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2 || !PyTuple_Check(terms = PyTuple_GET_ITEM(pair, 0))
        || !PyTuple_Check(surfaces = PyTuple_GET_ITEM(pair, 1)) || PyTuple_GET_SIZE(terms) != PyTuple_GET_SIZE(surfaces)) {
        Py_DECREF(pair);
        PyErr_SetString(PyExc_TypeError, "a piece's words must be two tuples of the same length");
        return NULL;
    }
    return pair;
}

/* What is done with each word read: 0, or -1 with an exception. */
typedef int (*TakeWord)(void *taker, PyObject *term, PyObject *surface);

/* Every word of `text` in order, its term and its surface as written, to take(taker, ...): a piece of
 * letters the surface map holds as itself, any other piece as its pair of tuples.  0, or -1 with an
 * exception (reading stops at the first failure). */
static int read_words(const Reader *r, PyObject *text, TakeWord take, void *taker) {
    PyObject *pieces = folded_pieces(r, text);
    if (pieces == NULL) return -1;
    int status = 0;
    for (Py_ssize_t p = 0; p < PyList_GET_SIZE(pieces) && status == 0; p++) {
        PyObject *piece = PyList_GET_ITEM(pieces, p), *term = alpha_known(piece, r->known);
        if (term != NULL) {
            Py_INCREF(term);
            status = take(taker, term, piece);
            Py_DECREF(term);
            continue;
        }
        PyObject *pair = PyErr_Occurred() ? NULL : piece_pair(r, piece);
        if (pair == NULL) {
            status = -1;
            break;
        }
        PyObject *terms = PyTuple_GET_ITEM(pair, 0), *surfaces = PyTuple_GET_ITEM(pair, 1);
        for (Py_ssize_t j = 0; j < PyTuple_GET_SIZE(terms) && status == 0; j++)
            status = take(taker, PyTuple_GET_ITEM(terms, j), PyTuple_GET_ITEM(surfaces, j));
        Py_DECREF(pair);
    }
    Py_DECREF(pieces);
    return status;
}

typedef struct {
    Py_ssize_t *place;  /* where in the sentence each wanted word is */
    PyObject **term;    /* and its term (owned references) */
    Py_ssize_t n, size;
} Found;

static int found_add(Found *f, Py_ssize_t place, PyObject *term) {
    if (f->n == f->size) {
        Py_ssize_t size = f->size ? 2 * f->size : 32;
        Py_ssize_t *p = PyMem_Realloc(f->place, size * sizeof(Py_ssize_t));
        if (p == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        f->place = p;
        PyObject **t = PyMem_Realloc(f->term, size * sizeof(PyObject *));
        if (t == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        f->term = t;
        f->size = size;
    }
    Py_INCREF(term);
    f->place[f->n] = place;
    f->term[f->n++] = term;
    return 0;
}

static void found_clear(Found *f) {
    for (Py_ssize_t i = 0; i < f->n; i++) Py_DECREF(f->term[i]);
    f->n = 0;
}

/* One sentence being read: the question's terms and typed words, what has been met so far. */
typedef struct {
    PyObject *wanted, *keys;
    const Py_hash_t *key_hash;
    char *met;
    Found *found;
    Py_ssize_t words;
} Reading;

/* The sentence's next word (its term and its surface as written); 0, or -1 with an exception. */
static int take_word(void *taker, PyObject *term, PyObject *surface) {
    Reading *g = taker;
    Py_ssize_t place = g->words++;
    int is_wanted = PySet_Contains(g->wanted, term);
    if (is_wanted < 0 || (is_wanted && found_add(g->found, place, term) < 0)) return -1;
    if (!PyUnicode_Check(surface)) {
        PyErr_SetString(PyExc_TypeError, "a surface must be a str");
        return -1;
    }
    PyObject *plain = NULL;
    int status = 0;
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(g->keys) && status == 0; k++) {
        if (g->met[k]) continue;
        if (plain == NULL && (plain = joined(surface)) == NULL) return -1;
        /* (str hashes are cached: most words differ from every key by hash alone) */
        Py_hash_t hash = PyObject_Hash(plain);
        if (hash == -1) status = -1;
        else if (hash == g->key_hash[k]) {
            int eq = PyUnicode_Compare(plain, PyTuple_GET_ITEM(g->keys, k));
            if (eq == -1 && PyErr_Occurred()) status = -1;
            g->met[k] = eq == 0;
        }
    }
    Py_XDECREF(plain);
    return status;
}

/* One sentence's row; 0 on success, -1 with an exception set. */
static int sentence_row(PyObject *sentence, const Reader *r, PyObject *wanted, PyObject *keys, const Py_hash_t *key_hash,
                        const double *values, char *met, double surface_total, Found *f, double *row) {
    Py_ssize_t n_keys = PyTuple_GET_SIZE(keys);
    memset(met, 0, n_keys);
    Reading g = {wanted, keys, key_hash, met, f, 0};
    int status = read_words(r, sentence, take_word, &g);
    Py_ssize_t words = g.words;
    if (status == 0) {
        double surface = 0.0;
        for (Py_ssize_t k = 0; k < n_keys; k++)
            if (met[k]) surface += values[k];
        Py_ssize_t phrases = 0, distinct = 0;
        for (Py_ssize_t i = 0; i < f->n && status == 0; i++) {
            if (i > 0 && f->place[i] == f->place[i - 1] + 1) {
                int differ = PyObject_RichCompareBool(f->term[i - 1], f->term[i], Py_NE);
                if (differ < 0) status = -1;
                phrases += differ > 0;
            }
            int seen = 0;
            for (Py_ssize_t j = 0; j < i && !seen && status == 0; j++) {
                seen = PyObject_RichCompareBool(f->term[j], f->term[i], Py_EQ);
                if (seen < 0) status = -1;
            }
            distinct += !seen;
        }
        row[0] = surface / surface_total;
        row[1] = (double)phrases;
        row[2] = log1p((double)(words - f->n));
        row[3] = log1p((double)words);
        row[4] = f->n ? log1p((double)(f->place[f->n - 1] - f->place[0] + 1) / (double)distinct) : 0.0;
    }
    found_clear(f);
    return status;
}

static PyObject *match(PyObject *self, PyObject *args) {
    PyObject *texts, *fold, *cache, *known, *piece_words, *wanted, *keys, *values;
    Py_ssize_t cache_size;
    double surface_total;
    Py_buffer b_out;
    if (!PyArg_ParseTuple(args, "O!OO!nOOOO!O!dw*", &PyList_Type, &texts, &fold, &PyDict_Type, &cache, &cache_size,
                          &known, &piece_words, &wanted, &PyTuple_Type, &keys, &PyTuple_Type, &values, &surface_total,
                          &b_out))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(texts), n_keys = PyTuple_GET_SIZE(keys);
    const char *problem = NULL;
    if (!PyAnySet_Check(wanted)) problem = "wanted must be a set";
    else if (PyTuple_GET_SIZE(values) != n_keys) problem = "keys and values must be as many";
    else if (b_out.len != n * 5 * (Py_ssize_t)sizeof(double)) problem = "out must hold 5 float64 a sentence";
    for (Py_ssize_t k = 0; k < n_keys && problem == NULL; k++)
        if (!PyUnicode_Check(PyTuple_GET_ITEM(keys, k))) problem = "keys must be str";
    for (Py_ssize_t i = 0; i < n && problem == NULL; i++)
        if (!PyUnicode_Check(PyList_GET_ITEM(texts, i))) problem = "texts must be str";
    if (problem != NULL) {
        PyBuffer_Release(&b_out);
        PyErr_SetString(PyExc_TypeError, problem);
        return NULL;
    }
    double *value = PyMem_Malloc((n_keys + 1) * sizeof(double));
    Py_hash_t *key_hash = PyMem_Malloc((n_keys + 1) * sizeof(Py_hash_t));
    char *met = PyMem_Malloc(n_keys + 1);
    Found f = {NULL, NULL, 0, 0};
    int status = value && key_hash && met ? 0 : -1;
    if (status) PyErr_NoMemory();
    for (Py_ssize_t k = 0; k < n_keys && status == 0; k++) {
        value[k] = PyFloat_AsDouble(PyTuple_GET_ITEM(values, k));
        if (value[k] == -1.0 && PyErr_Occurred()) status = -1;
        if (status == 0 && (key_hash[k] = PyObject_Hash(PyTuple_GET_ITEM(keys, k))) == -1) status = -1;
    }
    double *out = b_out.buf;
    Reader reader = {fold, cache, known, piece_words, cache_size};
    for (Py_ssize_t i = 0; i < n && i < PyList_GET_SIZE(texts) && status == 0; i++) {
        /* (a list item may be replaced while Python code runs in piece_words: hold it) */
        PyObject *sentence = PyList_GET_ITEM(texts, i);
        Py_INCREF(sentence);
        status = sentence_row(sentence, &reader, wanted, keys, key_hash, value, met, surface_total, &f, out + 5 * i);
        Py_DECREF(sentence);
    }
    PyMem_Free(value);
    PyMem_Free(key_hash);
    PyMem_Free(met);
    PyMem_Free(f.place);
    PyMem_Free(f.term);
    PyBuffer_Release(&b_out);
    if (status) return NULL;
    Py_RETURN_NONE;
}

/* A text's distinct terms so far: the set of them, and the list in the order they came. */
typedef struct {
    PyObject *seen, *found;
} Distinct;

static int take_distinct(void *taker, PyObject *term, PyObject *surface) {
    Distinct *d = taker;
    int had = PySet_Contains(d->seen, term);
    if (had != 0) return had < 0 ? -1 : 0;
    return PySet_Add(d->seen, term) == 0 && PyList_Append(d->found, term) == 0 ? 0 : -1;
}

/* distinct_terms(texts, fold, cache, cache_size, known, piece_words): each text's distinct terms in the
 * order they first come (a list of tuples), as tuple(dict.fromkeys(bot.text.terms_and_surfaces(text,
 * known)[0])) makes them: the ranker's candidates' article titles. */
static PyObject *distinct_terms(PyObject *self, PyObject *args) {
    PyObject *texts, *fold, *cache, *known, *piece_words;
    Py_ssize_t cache_size;
    if (!PyArg_ParseTuple(args, "O!OO!nOO", &PyList_Type, &texts, &fold, &PyDict_Type, &cache, &cache_size, &known,
                          &piece_words))
        return NULL;
    Reader reader = {fold, cache, known, piece_words, cache_size};
    PyObject *out = PyList_New(0);
    for (Py_ssize_t i = 0; out != NULL && i < PyList_GET_SIZE(texts); i++) {
        PyObject *text = PyList_GET_ITEM(texts, i), *distinct = NULL;
        Distinct d = {NULL, NULL};
        Py_INCREF(text);
        int ok = PyUnicode_Check(text);
        if (!ok) PyErr_SetString(PyExc_TypeError, "texts must be str");
        ok = ok && (d.seen = PySet_New(NULL)) != NULL && (d.found = PyList_New(0)) != NULL
             && read_words(&reader, text, take_distinct, &d) == 0
             && (distinct = PyList_AsTuple(d.found)) != NULL && PyList_Append(out, distinct) == 0;
        Py_XDECREF(distinct);
        Py_XDECREF(d.found);
        Py_XDECREF(d.seen);
        Py_DECREF(text);
        if (!ok) Py_CLEAR(out);
    }
    return out;
}

static PyMethodDef methods[] = {
    {"distinct_terms", distinct_terms, METH_VARARGS, "Each text's distinct terms, in order."},
    {"match", match, METH_VARARGS, "Each sentence's surface, phrases, new_words, length and spread into out."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_sentence_match", NULL, -1, methods};

PyMODINIT_FUNC PyInit__sentence_match(void) { return PyModule_Create(&module); }
