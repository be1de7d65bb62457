import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { ArrayprofModel } from '../model';

/** A view of the model: re-renders (batched by Lumino's update) whenever the model changes. */
export abstract class ModelView extends Widget {
  constructor(model: ArrayprofModel, className: string) {
    super();
    this.model = model;
    this.addClass(className);
    model.changed.connect(() => this.update(), this);
  }

  dispose(): void {
    this.model.changed.disconnect(() => undefined, this);
    super.dispose();
  }

  protected onUpdateRequest(msg: Message): void {
    this.render();
  }

  protected onAfterAttach(msg: Message): void {
    this.update();
  }

  protected abstract render(): void;

  /** Whether the model has kernel data to show (the lists hide in the other states). */
  protected get hasKernelData(): boolean {
    return this.model.state === 'ready' || this.model.state === 'connecting';
  }

  protected showIf(visible: boolean): void {
    this.node.classList.toggle('jp-arrayprof-hidden', !visible);
  }

  protected readonly model: ArrayprofModel;
}
