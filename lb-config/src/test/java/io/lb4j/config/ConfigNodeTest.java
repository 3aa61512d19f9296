package io.lb4j.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The located tree: where each node was written, what strict parsing refuses, and the readers' messages. */
class ConfigNodeTest {

    private static ConfigNode.Mapping yaml(String text) {
        return ConfigNode.parseYaml(text, "lb.yaml").asMapping("the file");
    }

    private static ConfigNode.Mapping json(String text) {
        return ConfigNode.parseJson(text).asMapping("the document");
    }

    // ------------------------------------------------------------------------------------------------ locations

    @Test
    void yamlNodesRememberTheirLineAndColumn() {
        ConfigNode.Mapping top = yaml("""
                services:
                  - label: PACS
                    ports: [104, 80]
                """);
        ConfigNode.Mapping service = top.get("services").asSequence("services").items().getFirst().asMapping("s");

        assertThat(service.get("label").location()).isEqualTo("lb.yaml:2:12");
        assertThat(service.get("ports").asSequence("ports").items().get(1).location()).isEqualTo("lb.yaml:3:18");
        assertThat(service.errorAtKey("ports", "p")).hasMessage("lb.yaml:3:5: p");
        assertThat(service.get("ports").line()).isEqualTo(3);
    }

    @Test
    void jsonNodesRememberTheirPointerWithKeysEscaped() {
        ConfigNode.Mapping top = json("{\"services\": [{\"label\": \"PACS\", \"ports\": [104, 80]}], \"a/b~c\": 1}");
        ConfigNode.Mapping service = top.get("services").asSequence("services").items().getFirst().asMapping("s");

        assertThat(top.location()).isEqualTo("/");
        assertThat(service.get("ports").asSequence("ports").items().get(1).location()).isEqualTo("/services/0/ports/1");
        assertThat(top.get("a/b~c").location()).isEqualTo("/a~1b~0c");
        assertThat(top.get("a/b~c").error("x: 1 (expected: 2)")).hasMessage("/a~1b~0c: x: 1 (expected: 2)")
                .extracting(ConfigException::problem).isEqualTo("x: 1 (expected: 2)");
    }

    // ------------------------------------------------------------------------------------------------ strictness

    @Test
    void aRepeatedKeyIsRejectedAtTheRepetitionWithOneTextInBothSyntaxes() {
        assertThatThrownBy(() -> yaml("a: 1\nb: 2\na: 3\n")).isInstanceOf(ConfigException.class)
                .hasMessage("lb.yaml:3:1: key \"a\" repeated (expected: each key once)");
        assertThatThrownBy(() -> json("{\"a\": 1, \"b\": {\"c\": 2, \"c\": 3}}"))
                .hasMessage("/b/c: key \"c\" repeated (expected: each key once)");
    }

    @Test
    void aYamlAliasIsAnErrorAtItsLocationNotAString() {
        assertThatThrownBy(() -> yaml("services:\n  - label: PACS\n    address: *vip\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("lb.yaml:3:14: alias *vip (expected: the value itself; YAML anchors and aliases are not"
                        + " supported; write the value out)");
    }

    @Test
    void aYamlAnchorIsAnErrorAtItsLocationOnAMappingAListOrAValue() {
        String expected = " (expected: no anchor; YAML anchors and aliases are not supported; write the value out)";
        assertThatThrownBy(() -> yaml("base: &b { a: 1 }\nother:\n  <<: *b\n"))
                .hasMessage("lb.yaml:1:7: anchor &b" + expected);
        assertThatThrownBy(() -> yaml("ports: &p [104]\n")).hasMessage("lb.yaml:1:8: anchor &p" + expected);
        assertThatThrownBy(() -> yaml("a: 1\nvip: &v 10.0.0.1\n")).hasMessage("lb.yaml:2:6: anchor &v" + expected);
        assertThatThrownBy(() -> yaml("vip: !!str &v 10.0.0.1\n")).hasMessage("lb.yaml:1:6: anchor &v" + expected);
    }

    @Test
    void anEmptyTextASecondDocumentAndMalformedTextAreRejected() {
        assertThatThrownBy(() -> yaml("# only a comment\n"))
                .hasMessage("lb.yaml: the document is empty (expected: a mapping with `services:`)");
        assertThatThrownBy(() -> ConfigNode.parseJson(" "))
                .hasMessage("/: the document is empty (expected: a mapping with `services:`)");
        assertThatThrownBy(() -> yaml("a: 1\n---\nb: 2\n"))
                .hasMessage("lb.yaml:3:1: a second YAML document (expected: one document per file)");
        assertThatThrownBy(() -> json("{} {}")).hasMessage("line 1, column 4: a second JSON value (expected: one"
                + " document)");
        assertThatThrownBy(() -> yaml("a: [1, 2\n")).isInstanceOf(ConfigException.class)
                .hasMessage("lb.yaml:2:1: not valid YAML: while parsing a flow sequence, expected ',' or ']', but got"
                        + " <stream end>");
        assertThatThrownBy(() -> json("{\"a\": tru}")).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("line 1, column 10: not valid JSON: Unrecognized token 'tru'");
    }

    @Test
    void nestingDeeperThanAnyDocumentIsRejectedBeforeItCostsStack() {
        String deep = "[".repeat(40) + "]".repeat(40);

        assertThatThrownBy(() -> ConfigNode.parseJson(deep)).hasMessage("/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0"
                + "/0/0/0/0/0/0/0/0/0/0/0/0/0: nested deeper than 32 levels (expected: a configuration document)");
    }

    // ------------------------------------------------------------------------------------------------ readers

    @Test
    void eachReaderNamesTheFieldTheValueAndWhatIsAllowed() {
        ConfigNode.Mapping m = yaml("""
                n: 5
                s: "5"
                big: 99999999999
                b: "true"
                d: 30
                e:
                l: [1]
                """);

        assertThatThrownBy(() -> m.get("n").asString("name")).hasMessage("lb.yaml:1:4: name: 5 is a number (expected:"
                + " a string)");
        assertThatThrownBy(() -> m.get("s").asInt("weight", "an integer")).hasMessage("lb.yaml:2:4: weight: \"5\""
                + " (expected: an integer)");
        assertThatThrownBy(() -> m.get("big").asInt("weight", "an integer")).hasMessage("lb.yaml:3:6: weight:"
                + " 99999999999 (expected: an integer)");
        assertThatThrownBy(() -> m.get("b").asBoolean("masquerade")).hasMessage("lb.yaml:4:4: masquerade: \"true\""
                + " (expected: true or false)");
        assertThatThrownBy(() -> m.get("d").asDuration("interval")).hasMessage("lb.yaml:5:4: interval: 30 (expected:"
                + " a duration such as 500ms, 30s, 5m or 1h)");
        assertThatThrownBy(() -> m.get("e").asString("label")).hasMessage("lb.yaml:6:3: label: an empty value"
                + " (expected: a single value)");
        assertThatThrownBy(() -> m.get("l").asMapping("fallback")).hasMessage("lb.yaml:7:4: fallback: a list"
                + " (expected: a mapping of keys to values)");
        assertThatThrownBy(() -> m.asSequence("ports")).hasMessage("lb.yaml:1:1: ports: a mapping (expected: a"
                + " list)");
        assertThatThrownBy(() -> m.get("s").asOneOf("protocol", List.of("tcp", "udp"))).hasMessage("lb.yaml:2:4:"
                + " protocol: \"5\" (expected: tcp | udp)");
        assertThat(m.get("n").asItems("ports")).containsExactly(m.get("n"));
        assertThatThrownBy(() -> m.asItems("ports")).hasMessage("lb.yaml:1:1: ports: a mapping (expected: a list, or"
                + " a single value)");
        assertThat(yaml("z: 0\n").get("z").asDuration("persistence")).as("0 needs no unit").isEqualTo(Duration.ZERO);
    }

    @Test
    void unknownAndMissingKeysAreNamedWithWhatIsAllowed() {
        ConfigNode.Mapping m = yaml("label: PACS\nadress: 10.0.0.1\n");

        assertThatThrownBy(() -> m.checkKeys(Set.of("label", "address", "ports"), "a service"))
                .hasMessage("lb.yaml:2:1: unknown key \"adress\" in a service (expected one of: address, label,"
                        + " ports)");
        assertThatThrownBy(() -> m.required("ports", "service \"PACS\"")).hasMessage("lb.yaml:1:1: ports: missing in"
                + " service \"PACS\" (expected: a `ports:` entry)");
    }

    @Test
    void aBuilderStepsExceptionComesBackAtTheNodeWithItsOwnMessage() {
        ConfigNode node = yaml("weight: 70000\n").get("weight");

        assertThatThrownBy(() -> node.at(() -> {
            throw new IllegalArgumentException("weight: 70000 (expected: 0-65535)");
        })).isInstanceOf(ConfigException.class).hasMessage("lb.yaml:1:9: weight: 70000 (expected: 0-65535)");
        assertThatThrownBy(() -> node.at(() -> {
            throw new NullPointerException("realServer.label");
        })).hasMessage("lb.yaml:1:9: realServer.label: missing");
        assertThat(node.at(() -> 7)).isEqualTo(7);
    }

    @Test
    void aValueInAMessageIsOneLineAndShort() {
        ConfigNode.Scalar s = (ConfigNode.Scalar) ConfigNode.parseJson("\"a\\r\\nb\\u0001" + "x".repeat(100) + "\"");

        assertThat(s.shown()).isEqualTo("\"a\\r\\nb\\u0001" + "x".repeat(75) + "...\"");
    }

    // ------------------------------------------------------------------------------------------------ writing

    @Test
    void aBuiltTreeIsWrittenAsBlockYamlAndIndentedJson() {
        Map<String, ConfigNode> entries = new LinkedHashMap<>();
        entries.put("label", ConfigNode.Scalar.of("104"));
        entries.put("ports", ConfigNode.Sequence.of(List.of(ConfigNode.Scalar.of(104),
                ConfigNode.Scalar.of("8000-8010"))));
        entries.put("masquerade", ConfigNode.Scalar.of(true));
        ConfigNode.Mapping m = ConfigNode.Mapping.of(entries);

        assertThat(m.toYaml()).isEqualTo("label: \"104\"\nports:\n- 104\n- \"8000-8010\"\nmasquerade: true\n");
        assertThat(m.toJson()).isEqualTo("{\n  \"label\" : \"104\",\n  \"ports\" : [ 104, \"8000-8010\" ],\n"
                + "  \"masquerade\" : true\n}");
        assertThat(ConfigNode.parseYaml(m.toYaml(), "again.yaml").asMapping("m").get("label").asString("label"))
                .as("a quoted number stays a string").isEqualTo("104");
    }

    /** Found by ServiceMappingProperties: a bad escape whose "found" character is a line break. */
    @Test
    void aYamlSyntaxErrorIsOneLineEvenWhenTheCharacterFoundIsALineBreak() {
        assertThatThrownBy(() -> ConfigNode.parseYaml("label: \"\\x\n6\"\n", "lb.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("lb.yaml:1:")
                .hasMessageContaining("not valid YAML: ")
                .hasMessageContaining("\\n")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
}
