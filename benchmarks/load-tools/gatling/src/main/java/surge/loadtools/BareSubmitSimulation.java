package surge.loadtools;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;

import io.gatling.javaapi.core.*;
import io.gatling.javaapi.http.*;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The load-tool comparison's workload in Gatling (docs/decisions/0006-load-tool.md):
 * reading submissions POSTed at fixed open-model arrival rates, one request per
 * virtual user, so a slow server cannot slow the offered load.
 *
 * System properties (set by compare-load-tools.sh):
 *   target  base URL, e.g. http://127.0.0.1:3701
 *   phases  "rate:seconds,rate:seconds", e.g. "1000:20,2000:10"
 *   bodies  JSON array of {"token":..., "body":...} (circular feeder)
 *   idLog   the per-request log: "A <end epoch ms> <response ms> <readingId>" for each 202 with an id
 *           (what the loss audit reads), "E <end epoch ms> <response ms|-1> -" for anything else
 *   maxP99Ms, maxFailedPct  assertions: a breach makes Gatling exit non-zero
 */
public class BareSubmitSimulation extends Simulation {
  private final String target = System.getProperty("target", "http://127.0.0.1:3700");
  private final String phases = System.getProperty("phases", "1000:20,2000:10");
  private final String bodies = System.getProperty("bodies");
  private final BufferedWriter idLog = openLog(System.getProperty("idLog"));

  private static BufferedWriter openLog(String path) {
    try {
      return path == null ? null : Files.newBufferedWriter(Path.of(path));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // Several Netty event loops run virtual users at once: one lock around the shared writer.
  private void logResponse(Session session) {
    if (idLog == null) return;
    boolean ok = !session.isFailed() && session.contains("readingId");
    String rt = session.contains("rt") ? String.valueOf(session.getInt("rt")) : "-1";
    String line = (ok ? "A " : "E ") + System.currentTimeMillis() + " " + rt + " " + (ok ? session.getString("readingId") : "-") + "\n";
    synchronized (idLog) {
      try {
        idLog.write(line);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  // Keep-alive connections shared by all users, as vegeta and Artillery (http.pool) are run here:
  // Gatling's default of one pool per virtual user would open a TCP connection per request.
  private final HttpProtocolBuilder protocol =
      http.baseUrl(target).contentTypeHeader("application/json").acceptHeader("application/json").shareConnections();

  private final ScenarioBuilder submit =
      scenario("submit")
          .feed(jsonFile(bodies).circular())
          .exec(
              http("submit")
                  .post("/v1/meter-readings")
                  .header("authorization", "Bearer #{token}")
                  .body(StringBody("#{body}"))
                  .check(responseTimeInMillis().saveAs("rt"), status().is(202), jsonPath("$.readingId").saveAs("readingId")))
          .exec(session -> {
            logResponse(session);
            return session;
          });

  private static List<OpenInjectionStep> injection(String spec) {
    List<OpenInjectionStep> steps = new ArrayList<>();
    for (String phase : spec.split(",")) {
      String[] p = phase.split(":");
      steps.add(constantUsersPerSec(Double.parseDouble(p[0])).during(Integer.parseInt(p[1])));
    }
    return steps;
  }

  {
    setUp(submit.injectOpen(injection(phases)))
        .protocols(protocol)
        .assertions(
            global().responseTime().percentile(99.0).lt(Integer.getInteger("maxP99Ms", 1000)),
            global().failedRequests().percent().lte(Double.parseDouble(System.getProperty("maxFailedPct", "0"))));
  }

  @Override
  public void after() {
    if (idLog == null) return;
    try {
      idLog.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
