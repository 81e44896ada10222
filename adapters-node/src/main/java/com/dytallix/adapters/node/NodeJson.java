package com.dytallix.adapters.node;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The node adapter's JSON mappers. Their parsers and writers take their buffers from one shared
 * pool: Jackson's default pool is per thread, and every relayed call runs on a new virtual thread,
 * so it allocated fresh buffers (several kilobytes) for each call.
 */
final class NodeJson {
    private NodeJson() {
    }

    static ObjectMapper mapper() {
        return JsonMapper.builder(JsonFactory.builder().recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool()).build()).build();
    }
}
