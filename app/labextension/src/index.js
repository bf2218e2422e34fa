// gradplay's JupyterLab extension: a Launcher card, a command-palette entry and the command
// `gradplay:open-playground`, which open the Playground served by gradplay's Jupyter Server
// extension (<base url>/gradplay/playground) in a Lab tab. The Playground itself runs in its own
// kernel on the native engine; this file only frames its page.
//
// Plain JavaScript (no TypeScript step): `jupyter labextension build .` bundles it as it is.
import { ICommandPalette, MainAreaWidget } from '@jupyterlab/apputils';
import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import { ILauncher } from '@jupyterlab/launcher';
import { IFrame, LabIcon } from '@jupyterlab/ui-components';

const COMMAND = 'gradplay:open-playground';
const PLAYGROUND_PATH = 'gradplay/playground';

// Two layers of a small network: inputs on the left, one output on the right.
const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161" stroke="#616161" stroke-width="1">
    <line x1="4" y1="6" x2="12" y2="4"/><line x1="4" y1="6" x2="12" y2="12"/>
    <line x1="4" y1="6" x2="12" y2="20"/><line x1="4" y1="18" x2="12" y2="4"/>
    <line x1="4" y1="18" x2="12" y2="12"/><line x1="4" y1="18" x2="12" y2="20"/>
    <line x1="12" y1="4" x2="20" y2="12"/><line x1="12" y1="12" x2="20" y2="12"/>
    <line x1="12" y1="20" x2="20" y2="12"/>
    <circle cx="4" cy="6" r="2.2"/><circle cx="4" cy="18" r="2.2"/><circle cx="12" cy="4" r="2.2"/>
    <circle cx="12" cy="12" r="2.2"/><circle cx="12" cy="20" r="2.2"/><circle cx="20" cy="12" r="2.2"/>
  </g>
</svg>`;

const playgroundIcon = new LabIcon({ name: 'gradplay:playground', svgstr: ICON_SVG });

/** The Playground's URL, optionally with TF-Playground-style settings (`dataset=xor&...`). */
export function playgroundUrl(settings) {
  const url = URLExt.join(PageConfig.getBaseUrl(), PLAYGROUND_PATH);
  return settings ? `${url}#${String(settings).replace(/^#/, '')}` : url;
}

const plugin = {
  id: 'gradplay:playground',
  description: 'Open the gradplay Playground in a JupyterLab tab.',
  autoStart: true,
  optional: [ILauncher, ICommandPalette],
  activate: (app, launcher, palette) => {
    let count = 0;
    app.commands.addCommand(COMMAND, {
      label: args => (args.isLauncher ? 'Playground' : 'Open the gradplay Playground'),
      caption: 'Train a small neural network, TensorFlow-Playground style, on this server',
      icon: args => (args.isPalette ? undefined : playgroundIcon),
      execute: args => {
        const content = new IFrame({
          // Same origin: the page opens its websocket back to Jupyter with the user's cookie.
          sandbox: ['allow-scripts', 'allow-same-origin', 'allow-forms', 'allow-downloads', 'allow-popups'],
        });
        content.url = playgroundUrl(args.settings);
        content.addClass('gradplay-Playground');
        const widget = new MainAreaWidget({ content });
        count += 1;
        widget.id = `gradplay-playground-${count}`;
        widget.title.label = count > 1 ? `Playground ${count}` : 'Playground';
        widget.title.icon = playgroundIcon;
        widget.title.closable = true;
        app.shell.add(widget, 'main');
        app.shell.activateById(widget.id);
        return widget;
      },
    });
    if (launcher) {
      launcher.add({ command: COMMAND, category: 'Other', rank: 0, args: { isLauncher: true } });
    }
    if (palette) {
      palette.addItem({ command: COMMAND, category: 'gradplay', args: { isPalette: true } });
    }
  },
};

export default plugin;
