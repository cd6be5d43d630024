// publish check's JVM half: EPUBCheck on every e-book, then the Nu Html Checker on every page, in one JVM.
//
// Run by the JVM's own source launcher (java Batch.java ...: no compiled class is shipped, and the runtime's
// own compiler module, which Debian's headless JRE carries, compiles it in memory). Each checker is loaded by
// a class loader of its own, from its own jar, because both bundle libraries (Jing, Saxon) in other versions.
// EPUBCheck is driven through its EpubChecker.run, which returns instead of exiting; the Nu checker's main
// ends the JVM, so it runs last. Arguments: the EPUBCheck jar, the Nu jar, a job file of lines
// "epub<TAB>book<TAB>report.json" and "html<TAB>page". Out: "epubcheck<TAB>book<TAB>code" lines on stdout
// (each book's messages in its report), then the Nu checker's JSON on stderr.
import java.io.File;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

public class Batch {
    static ClassLoader loader(Path jar, File lib) throws Exception {
        List<URL> urls = new ArrayList<>();
        urls.add(jar.toUri().toURL());
        File[] jars = lib.isDirectory() ? lib.listFiles() : new File[0];
        if (jars != null) {
            for (File f : jars) {
                if (f.getName().endsWith(".jar")) urls.add(f.toURI().toURL());
            }
        }
        return new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
    }

    public static void main(String[] args) throws Exception {
        Path epubcheck = Paths.get(args[0]);
        Path vnu = Paths.get(args[1]);
        List<String> pages = new ArrayList<>();
        List<String[]> books = new ArrayList<>();
        for (String line : Files.readAllLines(Paths.get(args[2]))) {
            String[] parts = line.split("\t");
            if (parts[0].equals("epub")) books.add(parts);
            else if (parts[0].equals("html")) pages.add(parts[1]);
        }
        PrintStream out = System.out;
        PrintStream err = System.err;
        if (!books.isEmpty()) {
            ClassLoader cl = loader(epubcheck, epubcheck.resolveSibling("lib").toFile());
            Thread.currentThread().setContextClassLoader(cl);
            Class<?> checker = Class.forName("com.adobe.epubcheck.tool.EpubChecker", true, cl);
            Method run = checker.getMethod("run", String[].class);
            PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
            for (String[] book : books) {
                int code;
                System.setOut(quiet);
                System.setErr(quiet);
                try {
                    Object result = run.invoke(checker.getDeclaredConstructor().newInstance(),
                                               (Object) new String[] {book[1], "--json", book[2]});
                    code = (Integer) result;
                } catch (Throwable t) {
                    code = -1;
                } finally {
                    System.setOut(out);
                    System.setErr(err);
                }
                out.println("epubcheck\t" + book[1] + "\t" + code);
            }
            out.flush();
        }
        if (!pages.isEmpty()) {
            ClassLoader cl = loader(vnu, new File("/nonexistent"));
            Thread.currentThread().setContextClassLoader(cl);
            Class<?> nu = Class.forName("nu.validator.client.SimpleCommandLineValidator", true, cl);
            List<String> nuArgs = new ArrayList<>(List.of("--format", "json", "--errors-only", "--exit-zero-always"));
            nuArgs.addAll(pages);
            nu.getMethod("main", String[].class).invoke(null, (Object) nuArgs.toArray(new String[0]));
        }
        System.exit(0);
    }
}
