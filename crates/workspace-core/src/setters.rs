//! Setters shared by the blocking and the async client, written once so they cannot drift apart.

/// The option setters of a client builder with a field `options: ClientOptions`.
#[doc(hidden)]
#[macro_export]
macro_rules! client_option_setters {
    () => {
        /// Sends requests to this base URL: `https://host[:port]`, or `http://` on a loopback host.
        pub fn endpoint(mut self, url: impl Into<String>) -> Self {
            self.options = self.options.endpoint(url);
            self
        }

        /// Sends requests to a documented region's endpoint, such as `cn-north-4`.
        pub fn region(mut self, id: impl Into<String>) -> Self {
            self.options = self.options.region(id);
            self
        }

        /// Endpoints to fail over to, in order, when the endpoint cannot be reached (service
        /// errors never fail over).
        pub fn fallback_endpoints<I, S>(mut self, urls: I) -> Self
        where
            I: IntoIterator<Item = S>,
            S: Into<String>,
        {
            self.options = self.options.fallback_endpoints(urls);
            self
        }

        /// The IAM endpoint asked to discover the project id when only a region is given.
        pub fn iam_endpoint(mut self, url: impl Into<String>) -> Self {
            self.options = self.options.iam_endpoint(url);
            self
        }

        /// The project whose desktops are listed; without it, the project named after the region
        /// is discovered from IAM at the first call.
        pub fn project_id(mut self, id: impl Into<String>) -> Self {
            self.options = self.options.project_id(id);
            self
        }

        /// The credentials: an AK/SK pair (optionally temporary) or an IAM token.
        pub fn credentials(mut self, credentials: $crate::Credentials) -> Self {
            self.options = self.options.credentials(credentials);
            self
        }

        /// The retry policy; [`RetryPolicy::disabled`]($crate::RetryPolicy::disabled) turns
        /// retries off. Default: [`RetryPolicy::standard`]($crate::RetryPolicy::standard).
        pub fn retry_policy(mut self, policy: $crate::RetryPolicy) -> Self {
            self.options = self.options.retry_policy(policy);
            self
        }

        /// The retry budget shared by this client's calls (default: 500 tokens); `None` for none.
        pub fn retry_budget(mut self, budget: Option<$crate::RetryBudget>) -> Self {
            self.options = self.options.retry_budget(budget);
            self
        }

        /// Appends `; {suffix}` to the `User-Agent`, to name your application.
        pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
            self.options = self.options.user_agent_suffix(suffix);
            self
        }

        /// The limit for one attempt, from sending the request to the end of the response
        /// (default 30 s). Applies to the built-in transport.
        pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
            self.options = self.options.timeout(timeout);
            self
        }

        /// The limit for establishing a connection (default 10 s). Applies to the built-in
        /// transport.
        pub fn connect_timeout(mut self, timeout: std::time::Duration) -> Self {
            self.options = self.options.connect_timeout(timeout);
            self
        }

        /// Replaces every option at once.
        pub fn options(mut self, options: $crate::ClientOptions) -> Self {
            self.options = options;
            self
        }
    };
}

/// The query setters of a fluent call builder with fields `request` (the types crate's request
/// builder) and `max_items: Option<u64>`.
#[doc(hidden)]
#[macro_export]
macro_rules! list_request_setters {
    () => {
        /// Adds user names to filter on (at most 100 per request): desktops attached to any of
        /// them match.
        pub fn user_names<I, S>(mut self, names: I) -> Self
        where
            I: IntoIterator<Item = S>,
            S: Into<String>,
        {
            self.request = self.request.user_names(names);
            self
        }

        /// Adds one user name to filter on.
        pub fn user_name(mut self, name: impl Into<String>) -> Self {
            self.request = self.request.user_name(name);
            self
        }

        /// Filters on one connection status.
        pub fn connect_status(mut self, status: $crate::types::ConnectStatus) -> Self {
            self.request = self.request.connect_status(status);
            self
        }

        /// Skips this many matching desktops (0 to 2000); paging starts here.
        pub fn offset(mut self, offset: u32) -> Self {
            self.request = self.request.offset(offset);
            self
        }

        /// Returns at most this many desktops per page (0 to 2000; the service's default is 100).
        pub fn limit(mut self, limit: u32) -> Self {
            self.request = self.request.limit(limit);
            self
        }

        /// Replaces every filter with those of a prepared request builder.
        pub fn query(mut self, request: $crate::types::ListDesktopsConnectStatusRequestBuilder) -> Self {
            self.request = request;
            self
        }

        /// When paging, stops after this many desktops in all.
        pub fn max_items(mut self, n: u64) -> Self {
            self.max_items = Some(n);
            self
        }
    };
}
