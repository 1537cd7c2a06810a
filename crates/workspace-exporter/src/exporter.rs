//! The exporter: polls into a snapshot, renders the last good one.

use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use workspace_async::{Change, Client, DeadlineExceeded, Error, Query, ReqwestTransport};
use workspace_core::types::ConnectDesktopsInfo;
use workspace_core::{ClientOptions, FleetDiff};

use crate::counting_transport::CountingTransport;
use crate::exposition::{Exposition, Fragment};
use crate::format::Format;
use crate::labels::{TransitionLabels, escape, status_class};
use crate::metrics::Metrics;
use crate::snapshot::{Snapshot, SnapshotBuilder};

/// What the exporter reads and exports.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Settings {
    /// Export `huaweicloud_workspace_desktop_status` for each desktop (reads the whole fleet
    /// at every poll).
    pub per_desktop: bool,
    /// Count `huaweicloud_workspace_status_transitions_total` (reads the whole fleet at every
    /// poll).
    pub transitions: bool,
    /// The `region` label; empty when unknown (an endpoint given without a region).
    pub region: String,
    /// A poll that takes longer fails, as a timeout.
    pub poll_timeout: Duration,
    /// The time between polls, exported as `huaweicloud_workspace_poll_interval_seconds` so that
    /// rules can tell stale data; the exporter itself polls only when asked.
    pub interval: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            per_desktop: false,
            transitions: false,
            region: String::new(),
            poll_timeout: Duration::from_secs(60),
            interval: Duration::from_secs(60),
        }
    }
}

impl Settings {
    /// Sets [`per_desktop`](Self::per_desktop).
    pub fn per_desktop(mut self, on: bool) -> Self {
        self.per_desktop = on;
        self
    }

    /// Sets [`transitions`](Self::transitions).
    pub fn transitions(mut self, on: bool) -> Self {
        self.transitions = on;
        self
    }

    /// Sets [`region`](Self::region).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// Sets [`interval`](Self::interval).
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Sets [`poll_timeout`](Self::poll_timeout).
    pub fn poll_timeout(mut self, timeout: Duration) -> Self {
        self.poll_timeout = timeout;
        self
    }

    /// Whether a poll reads the whole fleet rather than counting with five `limit=0` requests.
    pub fn reads_fleet(&self) -> bool {
        self.per_desktop || self.transitions
    }
}

/// Polls the service into a snapshot and renders the last good one with its own health.
///
/// Polls never overlap: a call of [`poll_once`](Self::poll_once) waits for the one in progress.
/// A snapshot is built whole and then replaces the previous one, so a scrape sees one poll or
/// the other, never a mix; a failed poll keeps the previous snapshot and sets `up` to 0. At the
/// end of each poll (and when the exporter is made) its metrics are rendered into a fragment
/// (the per-desktop series stay in their compact form), and an [`Exposer`](crate::Exposer)
/// merges that with the other targets' into what every scrape shares until the next poll.
#[derive(Debug)]
pub struct Exporter {
    client: Client,
    settings: Settings,
    metrics: Metrics,
    snapshot: RwLock<Arc<Snapshot>>,
    /// Every metric as rendered at the end of the last poll.
    fragment: RwLock<Arc<Fragment>>,
    polls: tokio::sync::watch::Sender<u64>,
    watch: tokio::sync::Mutex<FleetDiff>,
}

impl Exporter {
    /// An exporter whose client has these options; its exchanges are counted. Nothing is sent.
    pub fn new(options: ClientOptions, settings: Settings) -> Result<Self, Error> {
        let metrics = Metrics::new(settings.transitions);
        metrics.poll_interval.set(settings.interval.as_secs_f64());
        let options = options
            .to_builder()
            .user_agent_suffix(concat!("workspace-exporter/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let transport = ReqwestTransport::new(&options)?;
        let client = Client::builder(options).transport(CountingTransport::new(transport, metrics.clone())).build()?;
        let exporter = Self {
            client,
            settings,
            metrics,
            snapshot: RwLock::new(Arc::new(Snapshot::default())),
            // Replaced at once by the rendering of the exporter before its first poll.
            fragment: RwLock::new(Arc::new(Fragment::default())),
            polls: tokio::sync::watch::Sender::new(0),
            watch: tokio::sync::Mutex::new(FleetDiff::new()),
        };
        exporter.refresh();
        Ok(exporter)
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The client, whose exchanges are counted.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Polls once, now: reads the counts (or the fleet), then replaces the snapshot. On failure
    /// the previous snapshot stays, `up` is 0 and the failure is counted. Either way the
    /// exposition is rendered again and the count of [`polls`](Self::polls) goes up.
    pub async fn poll_once(&self) -> Result<(), Error> {
        let mut watch = self.watch.lock().await;
        let result = self.poll(&mut watch).await;
        self.refresh();
        self.polls.send_modify(|n| *n += 1);
        result
    }

    async fn poll(&self, watch: &mut FleetDiff) -> Result<(), Error> {
        let started = Instant::now();
        let result = match tokio::time::timeout(self.settings.poll_timeout, self.read()).await {
            Ok(result) => result,
            Err(_) => Err(DeadlineExceeded::new("the poll", self.settings.poll_timeout).into()),
        };
        self.metrics.poll_duration.set(started.elapsed().as_secs_f64());
        let (snapshot, desktops) = match result {
            Ok(read) => read,
            Err(e) => {
                self.metrics.up.set(0);
                self.metrics.poll_failures.inc();
                return Err(e);
            }
        };
        let now = SystemTime::now();
        if let Some(desktops) = desktops.filter(|_| self.settings.transitions) {
            for t in watch.observe(desktops, now) {
                self.metrics.transitions.get_or_create(&transition_labels(&t.change)).inc();
            }
        }
        *self.snapshot.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(snapshot);
        self.metrics.up.set(1);
        self.metrics.last_success.set(now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs_f64());
        Ok(())
    }

    /// Every metric as rendered at the end of the last poll (or, before the first one ends,
    /// when the exporter was made). Nothing is sent, and nothing is copied.
    pub(crate) fn fragment(&self) -> Arc<Fragment> {
        Arc::clone(&self.fragment.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// This exporter's metrics as rendered at the end of the last poll, alone, in `format`.
    /// Nothing is sent.
    pub fn render(&self, format: Format) -> String {
        Exposition::new(vec![self.fragment()]).render(format)
    }

    /// The number of polls that ended, successful or not: to read, or to wait on.
    pub fn polls(&self) -> tokio::sync::watch::Receiver<u64> {
        self.polls.subscribe()
    }

    /// Renders every metric, from the last good snapshot, into a new fragment.
    fn refresh(&self) {
        let snapshot = Arc::clone(&self.snapshot.read().unwrap_or_else(PoisonError::into_inner));
        let project = self.client.project_id().map_or_else(String::new, |p| escape(p.as_str()));
        let constant = vec![("project_id", project), ("region", escape(&self.settings.region))];
        let fragment = Arc::new(self.metrics.fragment(constant, &snapshot));
        *self.fragment.write().unwrap_or_else(PoisonError::into_inner) = fragment;
    }

    /// Whether the last poll succeeded.
    pub fn is_up(&self) -> bool {
        self.metrics.up.get() == 1
    }

    /// A new snapshot, and the desktops read when transitions are counted (their ids, names
    /// and statuses: what the comparison needs). The snapshot is built as the desktops arrive,
    /// so that a read for `--per-desktop` alone keeps none of them.
    async fn read(&self) -> Result<(Snapshot, Option<Vec<ConnectDesktopsInfo>>), Error> {
        if !self.settings.reads_fleet() {
            let counts = self.client.count_by_status(&Query::new()).await?;
            return Ok((Snapshot::from_counts(&counts), None));
        }
        let mut items = self.client.read_fleet(&Query::new());
        let mut snapshot = SnapshotBuilder::new(self.settings.per_desktop);
        let mut desktops = self.settings.transitions.then(Vec::new);
        while let Some(d) = items.next().await {
            let mut d = d?;
            snapshot.add(&d);
            if let Some(desktops) = &mut desktops {
                d.attach_users = Vec::new();
                desktops.push(d);
            }
        }
        Ok((snapshot.finish(), desktops))
    }
}

/// The labels of a change: documented statuses as they are, others as `other`, and `absent`
/// for a desktop that appeared or disappeared.
fn transition_labels(change: &Change) -> TransitionLabels {
    let (from, to) = match change {
        Change::Appeared { status } => ("absent", status_class(status.as_ref())),
        Change::Disappeared { last_status } => (status_class(last_status.as_ref()), "absent"),
        Change::StatusChanged { from, to } => (status_class(from.as_ref()), status_class(to.as_ref())),
        _ => ("other", "other"),
    };
    TransitionLabels { from: from.to_owned(), to: to.to_owned() }
}
