package com.dytallix.adapters.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BodiesTest {
    @Test
    void jsonTypesAreApplicationJsonOrAPlusJsonSubtypeInAnyCaseWithParameters() {
        for (String json : new String[] {"application/json", "Application/JSON", "application/json; charset=utf-8",
                " application/json ;charset=UTF-8", "application/json;", "\tapplication/json\t", "application/vnd.api+json",
                "APPLICATION/LD+JSON; profile=x", "application/+json"}) {
            assertThat(Bodies.jsonType(json)).as(json).isTrue();
        }
        for (String other : new String[] {"", " ", ";", ";application/json", "text/plain", "text/json", "application/jsonx",
                "application/x-www-form-urlencoded", "application/json+xml", "applicationjson", "application/jso",
                "json", "+json", "application+json", "multipart/form-data; boundary=application/json",
                "appl\u0130cation/json", "application/j\u017fon"}) {
            assertThat(Bodies.jsonType(other)).as(other).isFalse();
        }
    }
}
