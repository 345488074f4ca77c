#ifndef ENCORE_CRDKAFKA_SHIM_H
#define ENCORE_CRDKAFKA_SHIM_H
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

/// Produces one message through rd_kafka_produceva with RD_KAFKA_MSG_F_COPY.
///
/// Swift cannot build the `rd_kafka_vu_t` union array comfortably, so this wrapper does it.
/// `has_key == 0` produces a null key; a non-null empty key is sent as zero bytes.
/// `partition` is RD_KAFKA_PARTITION_UA for the configured partitioner; `timestamp` 0 means "now".
/// `headers` (may be NULL) is owned by librdkafka on success only; on failure the caller must destroy it.
/// The returned error (NULL on success) must be destroyed with rd_kafka_error_destroy.
static inline rd_kafka_error_t *encore_produce(rd_kafka_t *rk, const char *topic, int32_t partition,
                                               int has_key, const void *key, size_t key_size,
                                               const void *value, size_t value_size,
                                               int64_t timestamp, rd_kafka_headers_t *headers,
                                               void *opaque) {
        static const char empty = 0;
        rd_kafka_vu_t vus[8];
        size_t n = 0;
        vus[n].vtype = RD_KAFKA_VTYPE_TOPIC;
        vus[n++].u.cstr = topic;
        vus[n].vtype = RD_KAFKA_VTYPE_PARTITION;
        vus[n++].u.i32 = partition;
        vus[n].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
        vus[n++].u.i = RD_KAFKA_MSG_F_COPY;
        vus[n].vtype = RD_KAFKA_VTYPE_VALUE;
        vus[n].u.mem.ptr = (void *)(value ? value : &empty);
        vus[n++].u.mem.size = value_size;
        if (has_key) {
                vus[n].vtype = RD_KAFKA_VTYPE_KEY;
                vus[n].u.mem.ptr = (void *)(key ? key : &empty);
                vus[n++].u.mem.size = key_size;
        }
        if (timestamp != 0) {
                vus[n].vtype = RD_KAFKA_VTYPE_TIMESTAMP;
                vus[n++].u.i64 = timestamp;
        }
        if (headers) {
                vus[n].vtype = RD_KAFKA_VTYPE_HEADERS;
                vus[n++].u.headers = headers;
        }
        vus[n].vtype = RD_KAFKA_VTYPE_OPAQUE;
        vus[n++].u.ptr = opaque;
        return rd_kafka_produceva(rk, vus, n);
}

/// The raw value of an rd_kafka_resp_err_t, so Swift never has to switch over the C enum.
static inline int32_t encore_err_code(rd_kafka_resp_err_t err) { return (int32_t)err; }

/// An rd_kafka_resp_err_t from a raw value (for error injection with codes the enum may not name).
static inline rd_kafka_resp_err_t encore_err_from_code(int32_t code) { return (rd_kafka_resp_err_t)code; }

#endif
