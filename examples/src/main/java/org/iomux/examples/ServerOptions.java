package org.iomux.examples;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.iomux.Backends;

/**
 * Command-line options of the example servers: the common ones ({@code --host}, {@code --port},
 * {@code --backend}, {@code --max-connections}, {@code --buffer}) and each server's own, declared as
 * {@link Option}s. {@code --name value} or {@code --name=value}; flags take no value.
 */
final class ServerOptions {
    /** An option a server declares: a flag when {@code defaultValue} is null. */
    static final class Option {
        final String name;
        final String defaultValue;
        final String help;

        Option(String name, String defaultValue, String help) {
            this.name = name;
            this.defaultValue = defaultValue;
            this.help = help;
        }

        boolean isFlag() {
            return defaultValue == null;
        }
    }

    static final Option MAX_CONNECTIONS = new Option("max-connections", "10000",
            "connections served at once; more are accepted and closed");

    static final List<Option> COMMON = List.of(
            new Option("host", "127.0.0.1", "address to listen on"),
            new Option("port", "7007", "port to listen on (0: any free port)"),
            new Option("backend", "", "iomux backend: jni, jna or jnr (default: iomux's choice)"),
            MAX_CONNECTIONS,
            new Option("buffer", "65536", "bytes buffered per connection: a client that does not read is"
                    + " not read from once this much is unsent"));

    /** Thrown for a bad command line: the message is for the user. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    private final Map<String, String> values = new LinkedHashMap<>();
    private final Map<String, Option> known = new LinkedHashMap<>();

    private ServerOptions(List<Option> common, List<Option> own) {
        for (Option o : common) {
            known.put(o.name, o);
        }
        for (Option o : own) {
            known.put(o.name, o);
        }
    }

    static ServerOptions parse(String[] args, List<Option> common, List<Option> own) throws UsageException {
        ServerOptions options = new ServerOptions(common, own);
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new UsageException("unexpected argument '" + arg + "'");
            }
            String name = arg.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            Option o = options.known.get(name);
            if (o == null) {
                throw new UsageException("unknown option --" + name);
            }
            if (o.isFlag()) {
                if (value != null) {
                    throw new UsageException("--" + name + " takes no value");
                }
                value = "true";
            } else if (value == null) {
                if (i + 1 >= args.length) {
                    throw new UsageException("--" + name + " needs a value");
                }
                value = args[++i];
            }
            options.values.put(name, value);
        }
        String backend = options.values.get("backend");
        if (backend != null && !Backends.NAMES.contains(backend)) {
            throw new UsageException("--backend must be one of " + String.join("|", Backends.NAMES) + ", not " + backend);
        }
        return options;
    }

    static String usage(String program, String summary, List<Option> common, List<Option> own) {
        StringBuilder sb = new StringBuilder();
        sb.append("usage: java -jar iomux-examples.jar ").append(program).append(" [options]\n");
        sb.append(summary).append("\n\noptions:\n");
        for (List<Option> group : List.of(common, own)) {
            for (Option o : group) {
                String left = "--" + o.name + (o.isFlag() ? "" : " <" + o.defaultValue + ">");
                sb.append(String.format("  %-28s %s%n", left, o.help));
            }
        }
        sb.append(String.format("  %-28s %s%n", "--help", "this text"));
        sb.append("\nPrints 'listening on HOST:PORT' once it accepts connections; serves until SIGINT or SIGTERM,"
                + " then closes every descriptor and prints a one-line summary.\n");
        return sb.toString();
    }

    String get(String name) {
        String v = values.get(name);
        if (v != null) {
            return v;
        }
        Option o = known.get(name);
        if (o == null) {
            throw new IllegalArgumentException("undeclared option " + name);
        }
        return o.isFlag() ? "false" : o.defaultValue;
    }

    boolean flag(String name) {
        return Boolean.parseBoolean(get(name));
    }

    int intValue(String name, int min, int max) throws UsageException {
        String v = get(name);
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                throw new UsageException("--" + name + " " + v + " is outside [" + min + ", " + max + "]");
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " " + v + " is not a number");
        }
    }

    String choice(String name, String... allowed) throws UsageException {
        String v = get(name);
        for (String a : allowed) {
            if (a.equals(v)) {
                return v;
            }
        }
        throw new UsageException("--" + name + " must be one of " + String.join("|", allowed) + ", not " + v);
    }
}
