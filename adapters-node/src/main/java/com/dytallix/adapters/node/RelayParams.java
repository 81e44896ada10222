package com.dytallix.adapters.node;

import com.dytallix.domain.sync.NodeException;
import com.dytallix.domain.sync.NodeFailure;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The params of a relayed call, read the same way by every node: a JSON array or object, else "invalid params". */
final class RelayParams {
    private static final int INVALID_PARAMS = -32602;

    private RelayParams() {
    }

    static JsonNode parse(ObjectMapper json, String method, String paramsJson) {
        if (method == null || method.isBlank()) {
            throw new IllegalArgumentException("method is missing");
        }
        JsonNode params;
        try {
            params = paramsJson == null || paramsJson.isBlank() ? json.createArrayNode() : json.readTree(paramsJson);
        } catch (JsonProcessingException e) {
            throw invalid("params must be a JSON array or object");
        }
        if (!params.isArray() && !params.isObject()) {
            throw invalid("params must be a JSON array or object");
        }
        return params;
    }

    static NodeException invalid(String why) {
        return new NodeException(NodeFailure.RPC_ERROR, "invalid params: " + why, INVALID_PARAMS, null, null);
    }
}
