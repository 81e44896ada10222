package com.dytallix.bootstrap.docs;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a JSON value against a schema of docs/openapi.yaml: the subset of JSON Schema the file
 * uses ($ref, type incl. "null", const, enum, pattern, properties, required, additionalProperties,
 * items, oneOf, anyOf). Stricter than JSON Schema in one way, on purpose: an object schema that
 * lists properties and says nothing about additionalProperties is closed, so a field the server
 * sends but the document does not name is reported.
 */
final class SchemaCheck {
    private final JsonNode spec;

    SchemaCheck(JsonNode spec) {
        this.spec = spec;
    }

    /** Follows a local reference like {@code #/components/schemas/Grant}. */
    JsonNode resolve(String ref) {
        if (!ref.startsWith("#/")) {
            throw new IllegalArgumentException("only local references are used: " + ref);
        }
        JsonNode target = spec.at(ref.substring(1));
        if (target.isMissingNode()) {
            throw new IllegalArgumentException("unresolved reference " + ref);
        }
        return target;
    }

    JsonNode deref(JsonNode node) {
        while (node.has("$ref")) {
            node = resolve(node.get("$ref").asText());
        }
        return node;
    }

    /**
     * Schema keywords this document may use. A YAML slip (an unquoted comma in a flow mapping
     * turns half a description into a key) shows up as an unknown keyword.
     */
    private static final Set<String> KEYWORDS = Set.of("$ref", "type", "const", "enum", "pattern", "format", "properties",
            "required", "additionalProperties", "items", "oneOf", "anyOf", "description", "default", "minimum", "maximum",
            "exclusiveMinimum", "minItems", "maxLength", "writeOnly");

    /** Keywords of {@code schema} and its subschemas that are not in {@link #KEYWORDS}. */
    static List<String> unknownKeywords(JsonNode schema, String at) {
        List<String> out = new ArrayList<>();
        schema.fieldNames().forEachRemaining(k -> {
            if (!KEYWORDS.contains(k)) {
                out.add(at + ": '" + k + "'");
            }
        });
        schema.path("properties").fields().forEachRemaining(p -> out.addAll(unknownKeywords(p.getValue(), at + "." + p.getKey())));
        for (String sub : List.of("items", "additionalProperties")) {
            if (schema.path(sub).isObject()) {
                out.addAll(unknownKeywords(schema.get(sub), at + "/" + sub));
            }
        }
        for (String combination : List.of("oneOf", "anyOf")) {
            for (JsonNode alternative : schema.path(combination)) {
                out.addAll(unknownKeywords(alternative, at + "/" + combination));
            }
        }
        return out;
    }

    List<String> problems(JsonNode schema, JsonNode value) {
        List<String> out = new ArrayList<>();
        check(schema, value, "$", out);
        return out;
    }

    private void check(JsonNode schema, JsonNode value, String at, List<String> out) {
        schema = deref(schema);
        if (schema.has("oneOf") || schema.has("anyOf")) {
            boolean one = schema.has("oneOf");
            int matches = 0;
            for (JsonNode alternative : schema.get(one ? "oneOf" : "anyOf")) {
                if (problems(alternative, value).isEmpty()) {
                    matches++;
                }
            }
            if (one ? matches != 1 : matches == 0) {
                out.add(at + ": matches " + matches + " of the " + (one ? "oneOf" : "anyOf") + " alternatives: " + value);
            }
            return;
        }
        if (schema.has("const") && !sameValue(schema.get("const"), value)) {
            out.add(at + ": expected " + schema.get("const") + ", got " + value);
        }
        if (schema.has("enum")) {
            boolean listed = false;
            for (JsonNode option : schema.get("enum")) {
                listed |= sameValue(option, value);
            }
            if (!listed) {
                out.add(at + ": " + value + " is not one of " + schema.get("enum"));
            }
        }
        if (schema.has("type") && !hasType(schema.get("type"), value)) {
            out.add(at + ": expected type " + schema.get("type") + ", got " + value);
            return;
        }
        if (value.isTextual() && schema.has("pattern")
                && !Pattern.compile(schema.get("pattern").asText()).matcher(value.asText()).find()) {
            out.add(at + ": '" + value.asText() + "' does not match " + schema.get("pattern").asText());
        }
        if (value.isObject()) {
            object(schema, value, at, out);
        }
        if (value.isArray() && schema.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                check(schema.get("items"), value.get(i), at + "[" + i + "]", out);
            }
        }
    }

    private void object(JsonNode schema, JsonNode value, String at, List<String> out) {
        for (JsonNode name : schema.path("required")) {
            if (!value.has(name.asText())) {
                out.add(at + ": required field '" + name.asText() + "' is missing");
            }
        }
        JsonNode properties = schema.path("properties");
        JsonNode additional = schema.get("additionalProperties");
        for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String where = at + "." + field.getKey();
            if (properties.has(field.getKey())) {
                check(properties.get(field.getKey()), field.getValue(), where, out);
            } else if (additional != null && additional.isObject()) {
                check(additional, field.getValue(), where, out);
            } else if (additional == null ? schema.has("properties") : !additional.asBoolean()) {
                out.add(where + ": field not documented");
            }
        }
    }

    private static boolean hasType(JsonNode type, JsonNode value) {
        if (type.isArray()) {
            for (JsonNode t : type) {
                if (hasType(t.asText(), value)) {
                    return true;
                }
            }
            return false;
        }
        return hasType(type.asText(), value);
    }

    private static boolean hasType(String type, JsonNode value) {
        return switch (type) {
            case "null" -> value.isNull();
            case "string" -> value.isTextual();
            case "integer" -> value.isIntegralNumber();
            case "number" -> value.isNumber();
            case "boolean" -> value.isBoolean();
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            default -> throw new IllegalArgumentException("unknown schema type " + type);
        };
    }

    /** YAML and the server may spell the same number differently (1 vs 1.0). */
    private static boolean sameValue(JsonNode expected, JsonNode actual) {
        if (expected.isNumber() && actual.isNumber()) {
            return expected.decimalValue().compareTo(actual.decimalValue()) == 0;
        }
        return expected.equals(actual);
    }
}
