/* The all-country pack's page follows its job in place: every two seconds it fetches the page again and
   swaps in the progress part, so the reader keeps their place and a screen reader hears only the status
   line (a live region that stays in the page) when it changes. */
(() => {
  const box = document.getElementById('job-progress');
  if (!box || box.dataset.running !== 'true') return;
  const later = (ms) => setTimeout(follow, ms);
  async function follow() {
    let fresh = null;
    try {
      const response = await fetch(location.href, {cache: 'no-store', credentials: 'same-origin'});
      if (response.ok) {
        fresh = new DOMParser().parseFromString(await response.text(), 'text/html').getElementById('job-progress');
      }
    } catch (error) {
      fresh = null;  // the network dropped: try again a little later
    }
    if (!fresh) return later(5000);
    const status = document.getElementById('job-status');
    const freshStatus = fresh.querySelector('#job-status').textContent;
    if (status.textContent !== freshStatus) status.textContent = freshStatus;
    document.getElementById('job-detail').replaceWith(fresh.querySelector('#job-detail'));
    box.dataset.running = fresh.dataset.running;
    if (box.dataset.running === 'true') later(2000);
  }
  later(2000);
})();
