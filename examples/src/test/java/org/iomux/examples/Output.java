package org.iomux.examples;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** What a program run in this JVM printed, and its exit status. */
record Output(int status, String out, String err) {

    /** A program's entry point that prints to the streams it is given and returns its exit status. */
    interface Program {
        int run(PrintStream out, PrintStream err);
    }

    static Output of(Program program) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = program.run(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Output(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
