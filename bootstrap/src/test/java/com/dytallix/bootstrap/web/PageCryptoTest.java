package com.dytallix.bootstrap.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.dytallix.adapters.node.BouncyCastleKeccak;
import com.dytallix.bootstrap.testing.ApiClient;
import com.dytallix.bootstrap.testing.Browser;
import com.dytallix.bootstrap.testing.LiveServer;
import com.dytallix.domain.Address;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bouncycastle.crypto.digests.KeccakDigest;
import org.bouncycastle.crypto.generators.SCrypt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The page's own cryptography, run in the browser exactly as the page loads it: scrypt against
 * RFC 7914's test vectors and Bouncy Castle, the proof-of-work hash and its zero-bit count as the
 * server computes them, Keccak-256 against Bouncy Castle and EIP-55 against its test vectors and
 * the server's address checks.
 */
class PageCryptoTest {
    private static final HexFormat HEX = HexFormat.of();
    @TempDir
    static Path dir;
    private static LiveServer server;
    private static Browser browser;

    @BeforeAll
    static void start() {
        server = LiveServer.start(Map.of("PORT", "0", "HOST", "127.0.0.1", "STATUS_REFRESH_MS", "200"), dir.resolve("server"));
        browser = Browser.shared();
        browser.driver.manage().timeouts().scriptTimeout(Duration.ofMinutes(3));
        new FaucetPage(browser, server.http.base()).open();
    }

    @AfterAll
    static void stop() {
        try (LiveServer s = server; Browser b = browser) {
            // browser first, then the server
        }
    }

    /** Runs {@code body} (which sees modules {@code scrypt} and {@code eth}, and ends by returning a value) in the page. */
    private static JsonNode inPage(String body, Object... args) {
        String script = """
                const done = arguments[arguments.length - 1];
                const args = Array.from(arguments).slice(0, -1);
                const base = document.querySelector('script[type=module]').src.replace(/faucet\\.js$/, '');
                const hex = (b) => Array.from(b, (v) => v.toString(16).padStart(2, '0')).join('');
                const utf8 = (s) => new TextEncoder().encode(s);
                Promise.all([import(base + 'scrypt.js'), import(base + 'eth.js')])
                  .then(([scrypt, eth]) => { %s })
                  .then((v) => done(JSON.stringify({ value: v })), (e) => done(JSON.stringify({ error: String(e) })));
                """.formatted(body);
        String answer = (String) browser.driver.executeAsyncScript(script, args);
        JsonNode json = ApiClient.parse(answer);
        assertThat(json.has("error")).as(answer).isFalse();
        return json.get("value");
    }

    @Test
    void scryptMatchesRfc7914AndBouncyCastle() {
        record Vector(String password, String salt, int n, int r, int p, String expected) {
        }
        List<Vector> vectors = List.of(
                new Vector("", "", 16, 1, 1,
                        "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906"),
                new Vector("password", "NaCl", 1024, 8, 16,
                        "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"),
                new Vector("pleaseletmein", "SodiumChloride", 16384, 8, 1,
                        "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887"));
        for (Vector v : vectors) {
            JsonNode got = inPage("return hex(scrypt.scrypt(utf8(args[0]), utf8(args[1]), args[2], args[3], args[4], 64));",
                    v.password(), v.salt(), v.n(), v.r(), v.p());
            assertThat(got.asText()).as("scrypt(%s, %s, %d, %d, %d)", v.password(), v.salt(), v.n(), v.r(), v.p()).isEqualTo(v.expected());
            assertThat(HEX.formatHex(SCrypt.generate(utf8(v.password()), utf8(v.salt()), v.n(), v.r(), v.p(), 64))).isEqualTo(v.expected());
        }
        // RFC 7914 section 11: PBKDF2-HMAC-SHA256, the part scrypt wraps its mixing in
        assertThat(inPage("return hex(scrypt.pbkdf2Sha256(utf8('passwd'), utf8('salt'), 1, 64));").asText()).isEqualTo(
                "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
    }

    @Test
    void theProofOfWorkHashAndItsZeroBitsAreTheServersOwn() {
        String challenge = "Qm9vdHN0cmFwLWNoYWxsZW5nZS0wMDAx";
        String address = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed";
        JsonNode got = inPage("""
                const out = [];
                for (let nonce = 0; nonce < 24; nonce++) {
                  const h = scrypt.scrypt(utf8(`${args[0]}:${args[1]}:${nonce}`), utf8(args[0]), 1024, 8, 1, 32);
                  out.push({ hash: hex(h), zeros: scrypt.leadingZeroBits(h) });
                }
                return out;""", challenge, address);
        int mostZeros = 0;
        for (int nonce = 0; nonce < 24; nonce++) {
            byte[] hash = SCrypt.generate(utf8(challenge + ":" + address + ":" + nonce), utf8(challenge), 1024, 8, 1, 32);
            assertThat(got.get(nonce).get("hash").asText()).isEqualTo(HEX.formatHex(hash));
            assertThat(got.get(nonce).get("zeros").asInt()).as("nonce " + nonce).isEqualTo(leadingZeroBits(hash));
            mostZeros = Math.max(mostZeros, leadingZeroBits(hash));
        }
        assertThat(mostZeros).as("some hash has a zero bit to count").isPositive();
        assertThat(inPage("return [new Uint8Array(32), new Uint8Array([0, 0, 1]), new Uint8Array([0x80])].map(scrypt.leadingZeroBits);")
                .toString()).isEqualTo("[256,23,0]");
    }

    @Test
    void keccakMatchesBouncyCastleAcrossBlockBoundaries() {
        Random random = new Random(7);
        List<String> inputs = new ArrayList<>();
        for (int length : new int[] {0, 1, 31, 135, 136, 137, 271, 272, 300}) {
            byte[] b = new byte[length];
            random.nextBytes(b);
            inputs.add(HEX.formatHex(b));
        }
        JsonNode got = inPage("""
                const fromHex = (h) => new Uint8Array(h.match(/../g) || []).map((_, i) => parseInt(h.substr(2 * i, 2), 16));
                return args[0].map((h) => hex(eth.keccak256(fromHex(h))));""", inputs);
        for (int i = 0; i < inputs.size(); i++) {
            KeccakDigest keccak = new KeccakDigest(256);
            byte[] in = HEX.parseHex(inputs.get(i));
            keccak.update(in, 0, in.length);
            byte[] out = new byte[32];
            keccak.doFinal(out, 0);
            assertThat(got.get(i).asText()).as("keccak256 of %d bytes", in.length).isEqualTo(HEX.formatHex(out));
        }
        assertThat(got.get(0).asText()).isEqualTo("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    }

    @Test
    void eip55MatchesItsTestVectorsAndTheServer() {
        List<String> vectors = List.of(
                "0x52908400098527886E0F7030069857D2E4169EE7", "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
                "0xde709f2102306220921060314715629080e2fb77", "0x27b1fdb04752bbc536007a920d24acb045561c26",
                "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
                "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb");
        for (String v : vectors) {
            assertThat(inPage("return [eth.checksumAddress(args[0]), eth.addressState(args[0])];", v).toString())
                    .isEqualTo("[\"" + v + "\",\"valid\"]");
        }
        Random random = new Random(55);
        List<String> randomAddresses = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            byte[] b = new byte[20];
            random.nextBytes(b);
            randomAddresses.add("0x" + HEX.formatHex(b));
        }
        JsonNode checksums = inPage("return args[0].map(eth.checksumAddress);", randomAddresses);
        for (int i = 0; i < randomAddresses.size(); i++) {
            String expected = Address.parse(randomAddresses.get(i), BouncyCastleKeccak.INSTANCE).value();
            String mixed = checksums.get(i).asText();
            assertThat(mixed).isEqualTo(expected);
            // one letter in the wrong case: the page says so, and so does the server
            int letter = firstLetter(mixed);
            if (letter > 0) {
                String typo = mixed.substring(0, letter) + flipCase(mixed.charAt(letter)) + mixed.substring(letter + 1);
                if (!typo.substring(2).equals(typo.substring(2).toLowerCase()) && !typo.substring(2).equals(typo.substring(2).toUpperCase())) {
                    assertThat(inPage("return eth.addressState(args[0]);", typo).asText()).as(typo).isEqualTo("checksum");
                    assertThat(server.http.get("/api/balance?address=" + typo).field("code")).as(typo).isEqualTo("INVALID_ADDRESS");
                }
            }
        }
    }

    private static int firstLetter(String address) {
        for (int i = 2; i < address.length(); i++) {
            if (Character.isLetter(address.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    private static char flipCase(char c) {
        return Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c);
    }

    private static int leadingZeroBits(byte[] hash) {
        int bits = 0;
        for (byte b : hash) {
            if (b == 0) {
                bits += 8;
                continue;
            }
            return bits + Integer.numberOfLeadingZeros(b & 0xff) - 24;
        }
        return bits;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
