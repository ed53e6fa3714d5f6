// Progressive touches only: every page works without this file.
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const question = button && button.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// A refused form is shown at the address it was posted to, which has no page of its own:
// put the page's address back, so a reload or a bookmark shows the page, not a re-post.
const address = document.body.dataset.address;
if (address && window.location.pathname !== address) {
  window.history.replaceState(null, "", address);
}
