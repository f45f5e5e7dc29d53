/* A field extractor for INSEE's CSV dialect: comma-separated, double-quoted where needed, quotes
 * doubled inside quotes, LF or CR LF line ends.
 *
 * scan(buffer, ncols, wanted, with_lines) parses the whole records held in `buffer` and returns,
 * for each wanted column index, the Arrow buffers of a string column: int32 offsets, bytes,
 * validity bitmap (an empty field is null, as in DuckDB's reader) and the null count. The parse
 * runs without the interpreter lock, so the blocks of one file are parsed on every core at once.
 * It only splits fields: values are typed and checked by the query engine that reads them.
 *
 * Returns (rows, lines, columns, ascii, line_of_row, error):
 *   lines        physical lines read (a quoted value may hold a line break);
 *   ascii        whether every extracted byte is ASCII (else the caller checks the UTF-8);
 *   line_of_row  int64 buffer of each record's first line within the buffer (0-based), or None;
 *   error        None or (kind, line within the buffer, detail):
 *                1: a record with `detail` fields instead of ncols;
 *                2: a quoted value still open at the end of the buffer;
 *                3: a quote inside an unquoted value, or text after a closing quote.
 *
 * Speed: 64 bytes are classified at a time (SSE2 on x86-64); the commas of fields nobody wants
 * are counted, not visited, so a 53-column row costs little more than its six wanted fields.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* -- a malloc'd block handed to Python without a copy (read through the buffer protocol) -- */

typedef struct {
    PyObject_HEAD
    void *data;
    Py_ssize_t len;
} Block;

static void block_dealloc(Block *self) {
    free(self->data);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int block_getbuffer(Block *self, Py_buffer *view, int flags) {
    return PyBuffer_FillInfo(view, (PyObject *)self, self->data, self->len, 1, flags);
}

static PyBufferProcs block_as_buffer = {(getbufferproc)block_getbuffer, NULL};

static PyTypeObject BlockType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "frenchtech.sources._csvscan.Block",
    .tp_basicsize = sizeof(Block),
    .tp_dealloc = (destructor)block_dealloc,
    .tp_as_buffer = &block_as_buffer,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Bytes made by the scanner.",
};

/* Takes ownership of `data` (freed here on failure). */
static PyObject *block_new(void *data, Py_ssize_t len) {
    Block *b = PyObject_New(Block, &BlockType);
    if (!b) {
        free(data);
        return NULL;
    }
    b->data = data;
    b->len = len;
    return (PyObject *)b;
}

/* -- output columns -- */

typedef struct {
    int32_t *offsets;
    char *data;
    uint8_t *valid;
    Py_ssize_t data_len, data_cap, nulls;
} Column;

typedef struct {
    int kind;
    Py_ssize_t line, detail;
} Error;

/* Append one value. Row buffers are sized for the most records a buffer can hold (each has
 * ncols - 1 commas and a line end), so only the bytes may need to grow. */
static inline int push(Column *c, Py_ssize_t row, const char *s, Py_ssize_t len, int unquote, const char *end) {
    if (c->data_len + len + 16 > c->data_cap) {
        Py_ssize_t cap = c->data_cap ? c->data_cap : 1 << 16;
        while (cap < c->data_len + len + 16) cap *= 2;
        char *q = realloc(c->data, (size_t)cap);
        if (!q) return -1;
        c->data = q;
        c->data_cap = cap;
    }
    if (len == 0) {
        c->nulls++;
    } else {
        c->valid[row >> 3] |= (uint8_t)(1u << (row & 7));
        char *dst = c->data + c->data_len;
        if (unquote) {
            for (Py_ssize_t i = 0; i < len; i++) {
                *dst++ = s[i];
                if (s[i] == '"') i++; /* "" stands for one quote */
            }
            len = dst - (c->data + c->data_len);
        } else if (len <= 16 && s + 16 <= end) {
            memcpy(dst, s, 16); /* a fixed-size copy is two moves; the slack is overwritten next */
        } else {
            memcpy(dst, s, (size_t)len);
        }
        c->data_len += len;
    }
    if (c->data_len > INT32_MAX) return -1;
    c->offsets[row + 1] = (int32_t)c->data_len;
    return 0;
}

/* -- the parser -- */

/* Bit i of a mask is set when byte i of the chunk is that character. Chunks of 64 bytes are read
 * 16 bytes at a time with SSE2 (every x86-64 has it); elsewhere, and at the end, byte by byte. */
typedef struct {
    uint64_t comma, lf, quote;
} Masks;

static inline Masks masks_of(const char *p, Py_ssize_t n) {
    Masks m = {0, 0, 0};
#ifdef __SSE2__
    if (n == 64) {
        const __m128i comma = _mm_set1_epi8(','), lf = _mm_set1_epi8('\n'), quote = _mm_set1_epi8('"');
        for (int k = 0; k < 4; k++) {
            __m128i v = _mm_loadu_si128((const __m128i *)(p + 16 * k));
            m.comma |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, comma)) << (16 * k);
            m.lf |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, lf)) << (16 * k);
            m.quote |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)) << (16 * k);
        }
        return m;
    }
#endif
    for (Py_ssize_t i = 0; i < n; i++) {
        m.comma |= (uint64_t)(p[i] == ',') << i;
        m.lf |= (uint64_t)(p[i] == '\n') << i;
        m.quote |= (uint64_t)(p[i] == '"') << i;
    }
    return m;
}

typedef struct {
    const char *end;
    int ncols;
    const int *slot;             /* output column of each field, or -1 */
    Column *cols;
    int64_t *line_of_row;        /* NULL unless asked for */
    Py_ssize_t row, lines, record_line;
    int field;
    const char *fstart;          /* where the current field's text starts */
    const char *qs, *qe;         /* a quoted field's text, between its quotes */
    Error *err;
} Parser;

static int fail(Parser *ps, int kind, Py_ssize_t detail) {
    ps->err->kind = kind;
    ps->err->line = ps->lines;
    ps->err->detail = detail;
    return 1;
}

/* A field ends at `x`: a comma, a line feed (record_end) or the end of the buffer (record_end).
 * Returns 0, 1 on a malformed record (ps->err set), -1 when out of memory. */
static inline int field_end(Parser *ps, const char *x, int record_end) {
    int f = ps->field;
    if (record_end && f == 0 && !ps->qs && (x == ps->fstart || (x == ps->fstart + 1 && *ps->fstart == '\r'))) {
        ps->fstart = x + 1; /* a blank line: skipped */
        ps->record_line = ++ps->lines;
        return 0;
    }
    if (f < ps->ncols && ps->slot[f] >= 0) {
        int rc;
        if (ps->qs) {
            Py_ssize_t len = ps->qe - ps->qs;
            rc = push(&ps->cols[ps->slot[f]], ps->row, ps->qs, len, memchr(ps->qs, '"', (size_t)len) != NULL, ps->end);
        } else {
            const char *e = x;
            if (record_end && e > ps->fstart && e[-1] == '\r') e--; /* CR LF line ends */
            rc = push(&ps->cols[ps->slot[f]], ps->row, ps->fstart, e - ps->fstart, 0, ps->end);
        }
        if (rc) return -1;
    }
    ps->qs = ps->qe = NULL;
    ps->fstart = x + 1;
    if (!record_end) {
        ps->field = f + 1;
        return 0;
    }
    if (f + 1 != ps->ncols) return fail(ps, 1, f + 1);
    if (ps->line_of_row) ps->line_of_row[ps->row] = ps->record_line;
    ps->field = 0;
    ps->row++;
    ps->record_line = ++ps->lines;
    return 0;
}

/* A quote at `p`. A quoted field runs to its closing quote ("" inside stands for one quote) and is
 * followed by a comma or a line end. Returns the comma or line feed after it (or the end of the
 * buffer), or NULL on a malformed field. */
static const char *quoted_field(Parser *ps, const char *p) {
    if (p != ps->fstart || ps->qs) {
        fail(ps, 3, 0);
        return NULL;
    }
    const char *start = p + 1, *q = start;
    for (;;) {
        const char *close = memchr(q, '"', (size_t)(ps->end - q));
        if (!close) {
            fail(ps, 2, 0);
            return NULL;
        }
        for (const char *r = q; r < close; r++) ps->lines += (*r == '\n');
        if (close + 1 < ps->end && close[1] == '"') {
            q = close + 2;
            continue;
        }
        ps->qs = start;
        ps->qe = close;
        p = close + 1;
        break;
    }
    if (p + 1 < ps->end && *p == '\r' && p[1] == '\n') p++;
    if (p < ps->end && *p != ',' && *p != '\n') {
        fail(ps, 3, 0);
        return NULL;
    }
    return p;
}

/* Counting a chunk's commas is one instruction where the processor has it (every x86-64 since
 * 2008); the build keeps a generic copy too and picks one when the module loads. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
__attribute__((target_clones("popcnt", "default")))
#endif
static int parse(Parser *ps, const char *p, const int *next_wanted) {
    const char *end = ps->end;
    const int ncols = ps->ncols;
    while (p < end) {
        Py_ssize_t n = end - p < 64 ? end - p : 64;
        Masks m = masks_of(p, n);
        /* separators up to the chunk's first quote; the quoted field is read on its own below */
        uint64_t before_quote = m.quote ? (m.quote & -m.quote) - 1 : ~0ULL;
        uint64_t commas = m.comma & before_quote, lfs = m.lf & before_quote;
        while (commas | lfs) {
            uint64_t cb = commas & (lfs ? (lfs & -lfs) - 1 : ~0ULL); /* commas before the next line end */
            if (cb) {
                int f = ps->field, k = __builtin_popcountll(cb);
                if (next_wanted[f < ncols ? f : ncols] >= f + k) {
                    /* none of the fields these commas end is wanted: step over them at once */
                    ps->field = f + k;
                    ps->fstart = p + (63 - __builtin_clzll(cb)) + 1;
                    commas &= ~cb;
                    continue;
                }
                int j = next_wanted[f < ncols ? f : ncols] - f;
                if (j > 0) {
                    /* step over the j unwanted fields before the wanted one: the same count on every
                     * row, so the loop is predicted, unlike a branch per field */
                    uint64_t last = 0;
                    for (int s = 0; s < j; s++) {
                        last = commas & -commas;
                        commas ^= last;
                    }
                    ps->field = f + j;
                    ps->fstart = p + __builtin_ctzll(last) + 1;
                    continue;
                }
                int i = __builtin_ctzll(commas);
                commas &= commas - 1;
                if (field_end(ps, p + i, 0) < 0) return -1;
                continue;
            }
            int i = __builtin_ctzll(lfs);
            lfs &= lfs - 1;
            int rc = field_end(ps, p + i, 1);
            if (rc) return rc;
        }
        if (m.quote) {
            const char *q = quoted_field(ps, p + __builtin_ctzll(m.quote));
            if (!q) return 1;
            if (q == end) break;
            int rc = field_end(ps, q, *q == '\n');
            if (rc) return rc;
            p = q + 1;
            continue;
        }
        p += n;
    }
    if (ps->field > 0 || ps->qs || ps->fstart < end) /* a last record without its line end */
        return field_end(ps, end, 1);
    return 0;
}

static int all_ascii(const Column *c) {
    uint64_t acc = 0;
    Py_ssize_t i = 0;
    for (; i + 8 <= c->data_len; i += 8) {
        uint64_t w;
        memcpy(&w, c->data + i, 8);
        acc |= w;
    }
    for (; i < c->data_len; i++) acc |= (uint8_t)c->data[i];
    return (acc & 0x8080808080808080ULL) == 0;
}

/* -- the Python function -- */

static PyObject *column_tuple(Column *c, Py_ssize_t rows) {
    c->offsets[0] = 0;
    PyObject *offsets = block_new(c->offsets, (rows + 1) * (Py_ssize_t)sizeof(int32_t));
    PyObject *data = block_new(c->data, c->data_len);
    PyObject *valid = block_new(c->valid, (rows + 7) / 8);
    c->offsets = NULL;
    c->data = NULL;
    c->valid = NULL;
    if (!offsets || !data || !valid) {
        Py_XDECREF(offsets);
        Py_XDECREF(data);
        Py_XDECREF(valid);
        return NULL;
    }
    return Py_BuildValue("(NNNn)", offsets, data, valid, c->nulls);
}

static PyObject *scan(PyObject *self, PyObject *args) {
    Py_buffer buf;
    int ncols, with_lines = 0;
    PyObject *wanted;
    if (!PyArg_ParseTuple(args, "y*iO!|p", &buf, &ncols, &PyTuple_Type, &wanted, &with_lines)) return NULL;
    Py_ssize_t nwanted = PyTuple_GET_SIZE(wanted);
    PyObject *result = NULL, *list = NULL;
    int64_t *line_of_row = NULL;
    int *slot = NULL, *next_wanted = NULL;
    Column *cols = NULL;
    if (ncols < 1) {
        PyErr_SetString(PyExc_ValueError, "ncols must be at least 1");
        goto done;
    }
    slot = malloc(sizeof(int) * (size_t)ncols);
    next_wanted = malloc(sizeof(int) * (size_t)(ncols + 1)); /* the first wanted field at or after each */
    cols = calloc((size_t)(nwanted > 0 ? nwanted : 1), sizeof(Column));
    if (!slot || !cols || !next_wanted) {
        PyErr_NoMemory();
        goto done;
    }
    for (int i = 0; i < ncols; i++) slot[i] = -1;
    for (Py_ssize_t j = 0; j < nwanted; j++) {
        long index = PyLong_AsLong(PyTuple_GET_ITEM(wanted, j));
        if (index < 0 || index >= ncols || slot[index] >= 0) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "wanted column indices: distinct, in range");
            goto done;
        }
        slot[index] = (int)j;
    }
    next_wanted[ncols] = INT32_MAX;
    for (int i = ncols - 1; i >= 0; i--) next_wanted[i] = slot[i] >= 0 ? i : next_wanted[i + 1];
    Py_ssize_t most = buf.len / ncols + 2;
    for (Py_ssize_t j = 0; j < nwanted; j++) {
        cols[j].offsets = malloc((size_t)(most + 1) * sizeof(int32_t));
        cols[j].valid = calloc((size_t)(most + 7) / 8, 1);
        if (!cols[j].offsets || !cols[j].valid) {
            PyErr_NoMemory();
            goto done;
        }
    }
    if (with_lines && !(line_of_row = malloc((size_t)most * sizeof(int64_t)))) {
        PyErr_NoMemory();
        goto done;
    }
    Error err = {0, 0, 0};
    Parser ps = {(const char *)buf.buf + buf.len, ncols, slot, cols, line_of_row, 0, 0, 0, 0, buf.buf, NULL, NULL, &err};
    int rc, ascii = 1;
    Py_BEGIN_ALLOW_THREADS
    rc = parse(&ps, buf.buf, next_wanted);
    for (Py_ssize_t j = 0; rc == 0 && j < nwanted && ascii; j++) ascii = all_ascii(&cols[j]);
    Py_END_ALLOW_THREADS
    if (rc < 0) {
        PyErr_NoMemory();
        goto done;
    }
    if (rc > 0) {
        result = Py_BuildValue("(nnOOO(inn))", (Py_ssize_t)0, ps.lines, Py_None, Py_False, Py_None, err.kind, err.line,
                               err.detail);
        goto done;
    }
    list = PyList_New(nwanted);
    if (!list) goto done;
    for (Py_ssize_t j = 0; j < nwanted; j++) {
        PyObject *t = column_tuple(&cols[j], ps.row);
        if (!t) goto done;
        PyList_SET_ITEM(list, j, t);
    }
    PyObject *lines_obj = Py_None;
    if (line_of_row) {
        lines_obj = block_new(line_of_row, ps.row * (Py_ssize_t)sizeof(int64_t));
        line_of_row = NULL;
        if (!lines_obj) goto done;
    } else {
        Py_INCREF(Py_None);
    }
    result = Py_BuildValue("(nnNONO)", ps.row, ps.lines, list, ascii ? Py_True : Py_False, lines_obj, Py_None);
    list = NULL;
done:
    Py_XDECREF(list);
    if (cols) {
        for (Py_ssize_t j = 0; j < nwanted; j++) {
            free(cols[j].offsets);
            free(cols[j].data);
            free(cols[j].valid);
        }
    }
    free(cols);
    free(slot);
    free(next_wanted);
    free(line_of_row);
    PyBuffer_Release(&buf);
    return result;
}

static PyMethodDef methods[] = {
    {"scan", scan, METH_VARARGS,
     "scan(buffer, ncols, wanted, with_lines=False) -> (rows, lines, columns, ascii, line_of_row, error)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_csvscan", "Field extractor for INSEE's CSV files.", -1,
                                    methods};

PyMODINIT_FUNC PyInit__csvscan(void) {
    if (PyType_Ready(&BlockType) < 0) return NULL;
    return PyModule_Create(&module);
}
