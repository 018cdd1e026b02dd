package org.iomux.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** README.md shows these examples' code verbatim: the first java block of a section, found in the shipped source. */
class ReadmeSnippetsTest {

    @ParameterizedTest
    @CsvSource({
        "'## An epoll loop', MinimalEcho",
        "'## Signal-driven I/O', MinimalSignalEcho",
        "'## Shared memory', SharedCounter"
    })
    void theSnippetIsTheShippedCode(String section, String example) throws Exception {
        Path examples = Path.of(System.getProperty("user.dir")); // surefire runs in the module's directory
        String readme = Files.readString(examples.resolveSibling("README.md"));
        int at = readme.indexOf("\n" + section);
        assertTrue(at >= 0, "README has no section " + section);
        int start = readme.indexOf("```java\n", at) + "```java\n".length();
        int end = readme.indexOf("\n```\n", start);
        List<String> snippet = Arrays.asList(readme.substring(start, end).split("\n"));
        List<String> source = Files.readAllLines(examples.resolve("src/main/java/org/iomux/examples/" + example + ".java"));
        // the snippet is the body of main: indented by 8 spaces there
        List<String> body = source.stream().map(line -> line.startsWith("        ") ? line.substring(8) : line).toList();
        assertTrue(java.util.Collections.indexOfSubList(body, snippet) >= 0,
                "README's " + section + " snippet is not, line for line, in " + example + ".java:\n" + String.join("\n", snippet));
    }
}
